using k8s.Models;
using static KubeNet.ApiServer.Tests.Printers.Print;

namespace KubeNet.ApiServer.Tests.Printers;

public sealed class PodPrinterTests
{
    private static V1Pod Pod(V1PodStatus status, int containers = 1, IList<V1Container>? initContainers = null, Action<V1Pod>? edit = null)
    {
        var pod = new V1Pod
        {
            Metadata = Meta("web-0"),
            Spec = new V1PodSpec
            {
                Containers = Enumerable.Range(0, containers).Select(i => new V1Container { Name = "c" + i, Image = "busybox" }).ToList(),
                InitContainers = initContainers,
            },
            Status = status,
        };
        edit?.Invoke(pod);
        return pod;
    }

    private static V1ContainerStatus Running(string name = "c0", bool ready = true, int restarts = 0)
        => new() { Name = name, Ready = ready, RestartCount = restarts, State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = Ago(TimeSpan.FromMinutes(1)) } } };

    private static V1ContainerStatus Waiting(string reason, string name = "c0", int restarts = 0)
        => new() { Name = name, Ready = false, RestartCount = restarts, State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = reason } } };

    private static V1ContainerStatus Terminated(int exitCode, string? reason, string name = "c0", int? signal = null)
        => new() { Name = name, Ready = false, State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = exitCode, Reason = reason, Signal = signal } } };

    private static Dictionary<string, object?> PodRow(V1Pod pod) => Row("", "v1", "pods", pod);

    [Fact]
    public void ColumnsAreUpstreams()
    {
        var columns = Columns("", "v1", "pods");
        Assert.Equal(["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"], columns.Select(c => c.Name));
        Assert.Equal([0, 0, 0, 0, 0, 1, 1, 1, 1], columns.Select(c => c.Priority));
        Assert.Equal("name", columns[0].Format);
        Assert.All(columns, c => Assert.Equal("string", c.Type));
        Assert.StartsWith("CreationTimestamp is a timestamp", columns[4].Description, StringComparison.Ordinal);
    }

    [Fact]
    public void RunningPod()
    {
        var row = PodRow(Pod(new V1PodStatus { Phase = "Running", PodIPs = [new V1PodIP { Ip = "10.0.0.7" }], ContainerStatuses = [Running()] }, edit: p => p.Spec.NodeName = "node-1"));
        Assert.Equal("web-0", row["Name"]);
        Assert.Equal("1/1", row["Ready"]);
        Assert.Equal("Running", row["Status"]);
        Assert.Equal("0", row["Restarts"]);
        Assert.Equal("5s", row["Age"]);
        Assert.Equal("10.0.0.7", row["IP"]);
        Assert.Equal("node-1", row["Node"]);
        Assert.Equal("<none>", row["Nominated Node"]);
        Assert.Equal("<none>", row["Readiness Gates"]);
    }

    [Fact]
    public void PendingPodWithoutStatuses()
    {
        var row = PodRow(Pod(new V1PodStatus { Phase = "Pending" }, containers: 2));
        Assert.Equal("0/2", row["Ready"]);
        Assert.Equal("Pending", row["Status"]);
        Assert.Equal("<none>", row["IP"]);
        Assert.Equal("<none>", row["Node"]);
    }

    [Fact]
    public void SingularPodIPCountsWhenPodIPsIsEmpty()
        => Assert.Equal("10.1.2.3", PodRow(Pod(new V1PodStatus { Phase = "Running", PodIP = "10.1.2.3" }))["IP"]);

    [Theory]
    [InlineData("ContainerCreating")]
    [InlineData("ImagePullBackOff")]
    [InlineData("CrashLoopBackOff")]
    public void WaitingReasonIsTheStatus(string reason)
        => Assert.Equal(reason, PodRow(Pod(new V1PodStatus { Phase = "Pending", ContainerStatuses = [Waiting(reason)] }))["Status"]);

    [Theory]
    [InlineData(0, "Completed", null, "Completed")]
    [InlineData(1, "Error", null, "Error")]
    [InlineData(137, "", null, "ExitCode:137")]
    [InlineData(0, null, 9, "Signal:9")]
    public void TerminatedContainers(int exitCode, string? reason, int? signal, string expected)
        => Assert.Equal(expected, PodRow(Pod(new V1PodStatus { Phase = "Failed", ContainerStatuses = [Terminated(exitCode, reason, signal: signal)] }))["Status"]);

    [Fact]
    public void RestartsShowWhenTheLastOneHappened()
    {
        var status = Waiting("CrashLoopBackOff", restarts: 3);
        status.LastState = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 1, Reason = "Error", FinishedAt = Ago(TimeSpan.FromSeconds(200)) } };
        var row = PodRow(Pod(new V1PodStatus { Phase = "Running", ContainerStatuses = [status] }));
        Assert.Equal("CrashLoopBackOff", row["Status"]);
        Assert.Equal("3 (3m20s ago)", row["Restarts"]);
        Assert.Equal("0/1", row["Ready"]);
    }

    [Fact]
    public void RestartsWithoutATerminationTimeAreJustACount()
        => Assert.Equal("2", PodRow(Pod(new V1PodStatus { Phase = "Running", ContainerStatuses = [Running(restarts: 2)] }))["Restarts"]);

    [Fact]
    public void DeletedPodIsTerminating()
    {
        var pod = Pod(new V1PodStatus { Phase = "Running", ContainerStatuses = [Running()] }, edit: p => p.Metadata.DeletionTimestamp = Now);
        Assert.Equal("Terminating", PodRow(pod)["Status"]);
    }

    [Fact]
    public void DeletedFinishedPodKeepsItsStatus()
    {
        var pod = Pod(new V1PodStatus { Phase = "Succeeded", ContainerStatuses = [Terminated(0, "Completed")] }, edit: p => p.Metadata.DeletionTimestamp = Now);
        Assert.Equal("Completed", PodRow(pod)["Status"]);
    }

    [Fact]
    public void DeletedPodOnALostNodeIsUnknown()
    {
        var pod = Pod(new V1PodStatus { Phase = "Running", Reason = "NodeLost", ContainerStatuses = [Running()] }, edit: p => p.Metadata.DeletionTimestamp = Now);
        Assert.Equal("Unknown", PodRow(pod)["Status"]);
    }

    [Fact]
    public void NodeLostWithoutDeletionShowsTheReasonUntilContainersSaySomething()
        => Assert.Equal("NodeLost", PodRow(Pod(new V1PodStatus { Phase = "Running", Reason = "NodeLost" }))["Status"]);

    [Fact]
    public void PodReasonWinsOverPhase()
        => Assert.Equal("Evicted", PodRow(Pod(new V1PodStatus { Phase = "Failed", Reason = "Evicted" }))["Status"]);

    [Fact]
    public void SchedulingGatedPod()
    {
        var status = new V1PodStatus { Phase = "Pending", Conditions = [new V1PodCondition { Type = "PodScheduled", Status = "False", Reason = "SchedulingGated" }] };
        Assert.Equal("SchedulingGated", PodRow(Pod(status))["Status"]);
    }

    [Fact]
    public void InitContainerNotStartedYet()
    {
        var status = new V1PodStatus { Phase = "Pending", InitContainerStatuses = [Waiting("PodInitializing", "init")], ContainerStatuses = [Waiting("PodInitializing")] };
        var row = PodRow(Pod(status, initContainers: [new V1Container { Name = "init", Image = "busybox" }]));
        Assert.Equal("Init:0/1", row["Status"]);
        Assert.Equal("0/1", row["Ready"]);
    }

    [Fact]
    public void SecondInitContainerRunning()
    {
        var status = new V1PodStatus
        {
            Phase = "Pending",
            InitContainerStatuses = [Terminated(0, "Completed", "a"), Running("b", ready: false)],
        };
        var pod = Pod(status, initContainers: [new V1Container { Name = "a" }, new V1Container { Name = "b" }]);
        Assert.Equal("Init:1/2", PodRow(pod)["Status"]);
    }

    [Theory]
    [InlineData("CrashLoopBackOff", "Init:CrashLoopBackOff")]
    [InlineData("ErrImagePull", "Init:ErrImagePull")]
    public void InitContainerWaiting(string reason, string expected)
    {
        var status = new V1PodStatus { Phase = "Pending", InitContainerStatuses = [Waiting(reason, "init", restarts: 4)] };
        var row = PodRow(Pod(status, initContainers: [new V1Container { Name = "init" }]));
        Assert.Equal(expected, row["Status"]);
        Assert.Equal("4", row["Restarts"]);
    }

    [Theory]
    [InlineData(1, "Error", null, "Init:Error")]
    [InlineData(2, "", null, "Init:ExitCode:2")]
    [InlineData(1, null, 15, "Init:Signal:15")]
    public void InitContainerFailed(int exitCode, string? reason, int? signal, string expected)
    {
        var status = new V1PodStatus { Phase = "Pending", InitContainerStatuses = [Terminated(exitCode, reason, "init", signal)] };
        Assert.Equal(expected, PodRow(Pod(status, initContainers: [new V1Container { Name = "init" }]))["Status"]);
    }

    [Fact]
    public void StartedSidecarCountsAsAContainer()
    {
        var sidecar = new V1Container { Name = "proxy", RestartPolicy = "Always" };
        var sidecarStatus = Running("proxy", restarts: 1);
        sidecarStatus.Started = true;
        sidecarStatus.LastState = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 1, FinishedAt = Ago(TimeSpan.FromMinutes(30)) } };
        var status = new V1PodStatus
        {
            Phase = "Running",
            Conditions = [new V1PodCondition { Type = "Initialized", Status = "True" }],
            InitContainerStatuses = [sidecarStatus],
            ContainerStatuses = [Running()],
        };
        var row = PodRow(Pod(status, initContainers: [sidecar]));
        Assert.Equal("2/2", row["Ready"]);
        Assert.Equal("Running", row["Status"]);
        Assert.Equal("1 (30m ago)", row["Restarts"]);
    }

    [Theory]
    [InlineData(true, "Running")]
    [InlineData(false, "NotReady")]
    public void CompletedContainerBesideARunningOne(bool podReady, string expected)
    {
        var status = new V1PodStatus
        {
            Phase = "Running",
            Conditions = [new V1PodCondition { Type = "Ready", Status = podReady ? "True" : "False" }],
            ContainerStatuses = [Running("c0"), Terminated(0, "Completed", "c1")],
        };
        var row = PodRow(Pod(status, containers: 2));
        Assert.Equal(expected, row["Status"]);
        Assert.Equal("1/2", row["Ready"]);
    }

    [Fact]
    public void ReadinessGatesCountTrueConditions()
    {
        var status = new V1PodStatus
        {
            Phase = "Running",
            Conditions = [new V1PodCondition { Type = "example.com/lb", Status = "True" }, new V1PodCondition { Type = "example.com/dns", Status = "False" }],
        };
        var pod = Pod(status, edit: p => p.Spec.ReadinessGates = [new V1PodReadinessGate { ConditionType = "example.com/lb" }, new V1PodReadinessGate { ConditionType = "example.com/dns" }]);
        Assert.Equal("1/2", PodRow(pod)["Readiness Gates"]);
    }

    [Fact]
    public void NominatedNode()
        => Assert.Equal("node-2", PodRow(Pod(new V1PodStatus { Phase = "Pending", NominatedNodeName = "node-2" }))["Nominated Node"]);

    [Fact]
    public void PodWithoutCreationTimestampIsOfUnknownAge()
    {
        var pod = Pod(new V1PodStatus { Phase = "Pending" }, edit: p => p.Metadata.CreationTimestamp = null);
        Assert.Equal("<unknown>", PodRow(pod)["Age"]);
    }
}
