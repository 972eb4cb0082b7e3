using System.Text.RegularExpressions;
using k8s;
using KubeNet.ApiServer.Tests.Infrastructure;

namespace KubeNet.ApiServer.Tests.Kubectl;

/// <summary>
/// `kubectl describe` builds its text on the client from the object plus the lists it asks for (events by
/// involvedObject field selector, pods on a node by spec.nodeName, a node's lease): the server must answer those.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed partial class KubectlDescribeTests(ClusterFixture cluster)
{
    [GeneratedRegex(@"^Events:\s+<none>$", RegexOptions.Multiline)]
    private static partial Regex NoEvents();

    /// <summary>Each header appears at the start of a line, in this order.</summary>
    private static void AssertSections(string text, params string[] headers)
    {
        var lines = text.Split('\n');
        var at = -1;
        foreach (var header in headers)
        {
            var next = Array.FindIndex(lines, at + 1, l => l.StartsWith(header, StringComparison.Ordinal));
            Assert.True(next > at, $"no line starting with \"{header}\" after line {at} in\n{text}");
            at = next;
        }
    }

    private static string Value(string text, string header)
        => text.Split('\n').First(l => l.StartsWith(header, StringComparison.Ordinal))[header.Length..].Trim();

    [Fact]
    public async Task Describe_pod_deployment_node_service_and_namespace_print_the_upstream_sections_and_events()
    {
        var ns = await cluster.CreateNamespaceAsync("describe");
        var node = $"node-{Guid.NewGuid().ToString("N")[..8]}";
        var nodeObject = await cluster.CreateReadyNodeAsync(node);
        await cluster.KubectlOkAsync("apply", "-f", await cluster.WriteManifestAsync($$"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: web-1
              namespace: {{ns}}
              labels: {app: web}
              annotations: {note: hello}
            spec:
              nodeName: {{node}}
              containers:
              - name: web
                image: nginx:1.27
                ports:
                - containerPort: 80
                env:
                - name: MODE
                  value: blue
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              namespace: {{ns}}
            spec:
              replicas: 2
              selector:
                matchLabels: {app: web}
              template:
                metadata:
                  labels: {app: web}
                spec:
                  containers:
                  - name: web
                    image: nginx:1.27
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: web
              namespace: {{ns}}
            spec:
              selector: {app: web}
              ports:
              - name: http
                port: 80
                targetPort: 8080
            """));
        var pod = await cluster.SetPodRunningAsync(ns, "web-1", podIp: "10.244.2.9");
        await cluster.CreateEventAsync(pod, "Scheduled", $"Successfully assigned {ns}/web-1 to {node}");
        var deployment = await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("web", ns);
        await cluster.CreateEventAsync(deployment, "ScalingReplicaSet", "Scaled up replica set web-abc to 2");
        await cluster.CreateEventAsync(nodeObject, "NodeReady", $"Node {node} status is now: NodeReady");

        var podText = await cluster.KubectlOkAsync("-n", ns, "describe", "pod", "web-1");
        AssertSections(podText, "Name:", "Namespace:", "Priority:", "Service Account:", "Node:", "Start Time:", "Labels:", "Annotations:", "Status:", "IP:", "IPs:",
            "Containers:", "Conditions:", "Volumes:", "QoS Class:", "Node-Selectors:", "Tolerations:", "Events:");
        Assert.Equal(("web-1", ns, $"{node}/192.168.50.10", "app=web", "note: hello", "Running", "10.244.2.9"),
            (Value(podText, "Name:"), Value(podText, "Namespace:"), Value(podText, "Node:"), Value(podText, "Labels:"), Value(podText, "Annotations:"), Value(podText, "Status:"), Value(podText, "IP:")));
        Assert.Contains("    Image:          nginx:1.27", podText, StringComparison.Ordinal);
        Assert.Contains("    Port:           80/TCP", podText, StringComparison.Ordinal);
        Assert.Contains("      MODE:  blue", podText, StringComparison.Ordinal);
        Assert.Matches(@"\n    State:          Running\n      Started:      ", podText);
        Assert.Equal("BestEffort", Value(podText, "QoS Class:"));
        Assert.Matches(@"\nEvents:\n  Type    Reason     Age   From               Message\n  ----    ------     ----  ----               -------\n  Normal  Scheduled  \S+ +default-scheduler  Successfully assigned " + Regex.Escape($"{ns}/web-1 to {node}") + "\n", podText);

        var deploymentText = await cluster.KubectlOkAsync("-n", ns, "describe", "deployment", "web");
        AssertSections(deploymentText, "Name:", "Namespace:", "CreationTimestamp:", "Labels:", "Annotations:", "Selector:", "Replicas:", "StrategyType:",
            "MinReadySeconds:", "RollingUpdateStrategy:", "Pod Template:", "Events:");
        Assert.Equal("2 desired | 0 updated | 0 total | 0 available | 0 unavailable", Value(deploymentText, "Replicas:"));
        Assert.Equal("25% max unavailable, 25% max surge", Value(deploymentText, "RollingUpdateStrategy:"));
        Assert.Contains("ScalingReplicaSet", deploymentText, StringComparison.Ordinal);

        var nodeText = await cluster.KubectlOkAsync("describe", "node", node);
        AssertSections(nodeText, "Name:", "Roles:", "Labels:", "Annotations:", "CreationTimestamp:", "Taints:", "Unschedulable:", "Lease:", "Conditions:",
            "Addresses:", "Capacity:", "Allocatable:", "System Info:", "Non-terminated Pods:", "Allocated resources:", "Events:");
        Assert.Equal(("control-plane", "<none>", "false"), (Value(nodeText, "Roles:"), Value(nodeText, "Taints:"), Value(nodeText, "Unschedulable:")));
        Assert.Matches(@"\n  Ready +True +.+KubeletReady +kubelet is posting ready status\n", nodeText);
        Assert.Contains("  InternalIP:  192.168.50.10", nodeText, StringComparison.Ordinal);
        Assert.Contains("  Kubelet Version:            v1.32.4", nodeText, StringComparison.Ordinal);
        // The pods on the node come from a list with fieldSelector spec.nodeName=<node>,status.phase!=Failed,...
        Assert.Equal("(1 in total)", Value(nodeText, "Non-terminated Pods:"));
        Assert.Matches(@"\n  " + Regex.Escape(ns) + @" +web-1 +0 \(0%\) +0 \(0%\) +0 \(0%\) +0 \(0%\) +\S+\n", nodeText);
        Assert.Contains("NodeReady", nodeText, StringComparison.Ordinal);

        var serviceText = await cluster.KubectlOkAsync("-n", ns, "describe", "service", "web");
        AssertSections(serviceText, "Name:", "Namespace:", "Labels:", "Annotations:", "Selector:", "Type:", "IP Family Policy:", "IP Families:", "IP:", "IPs:",
            "Port:", "TargetPort:", "Endpoints:", "Session Affinity:", "Events:");
        Assert.Equal(("app=web", "ClusterIP", "http  80/TCP", "8080/TCP", "None"),
            (Value(serviceText, "Selector:"), Value(serviceText, "Type:"), Value(serviceText, "Port:"), Value(serviceText, "TargetPort:"), Value(serviceText, "Session Affinity:")));
        Assert.Matches(NoEvents(), serviceText);

        var namespaceText = await cluster.KubectlOkAsync("describe", "namespace", ns);
        AssertSections(namespaceText, "Name:", "Labels:", "Annotations:", "Status:");
        Assert.Equal((ns, $"kubernetes.io/metadata.name={ns}", "Active"),
            (Value(namespaceText, "Name:"), Value(namespaceText, "Labels:"), Value(namespaceText, "Status:")));
        Assert.Contains("No resource quota.", namespaceText, StringComparison.Ordinal);
        Assert.Contains("No LimitRange resource.", namespaceText, StringComparison.Ordinal);
    }
}
