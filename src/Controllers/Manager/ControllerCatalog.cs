using KubeNet.Controllers.CronJob;
using KubeNet.Controllers.DaemonSet;
using KubeNet.Controllers.Deployment;
using KubeNet.Controllers.Job;
using KubeNet.Controllers.Namespace;
using KubeNet.Controllers.PodGc;
using KubeNet.Controllers.ReplicaSet;
using KubeNet.Controllers.ServiceAccount;
using KubeNet.Controllers.StatefulSet;

namespace KubeNet.Controllers;

/// <summary>
/// Every controller the controller-manager knows, by the name kube-controller-manager's --controllers flag uses.
/// Adding a controller is one line here.
/// </summary>
public static class ControllerCatalog
{
    public static readonly IReadOnlyDictionary<string, Func<ControllerContext, IController>> All =
        new Dictionary<string, Func<ControllerContext, IController>>(StringComparer.Ordinal)
        {
            ["namespace"] = c => new NamespaceController(c.Informers, c.Logger("namespace")),
            ["daemonset"] = c => new DaemonSetController(c.Informers, c.Logger("daemonset"), Math.Min(2, c.Options.Workers)),
            ["job"] = c => new JobController(c.Informers, c.Logger("job"), new JobControllerOptions { Workers = c.Options.Workers }),
            ["cronjob"] = c => new CronJobController(c.Informers, c.Logger("cronjob"), c.Options.Workers),
            ["statefulset"] = c => new StatefulSetController(c.Informers, c.Logger("statefulset"), c.Options.Workers),
            ["ttl-after-finished"] = c => new TtlAfterFinishedController(c.Informers, c.Logger("ttl-after-finished"), c.Options.Workers),
            ["replicaset"] = c => new ReplicaSetController(c.Informers, c.Logger("replicaset"), c.Options.Workers),
            ["replicationcontroller"] = c => new ReplicationManager(c.Informers, c.Logger("replicationcontroller"), c.Options.Workers),
            ["deployment"] = c => new DeploymentController(c.Informers, c.Logger("deployment"), c.Options.Workers),
            ["garbagecollector"] = c => new GarbageCollector.GarbageCollector(c),
            ["serviceaccount"] = c => new ServiceAccountsController(c.Informers, c.Logger("serviceaccount")),
            ["root-ca-cert-publisher"] = c => new RootCaPublisher(c.Informers, c.Options.RootCaPem ?? string.Empty, c.Logger("root-ca-cert-publisher")),
            ["podgc"] = c => new PodGcController(c.Informers, c.Options.TerminatedPodGcThreshold, c.Logger("podgc")),
        };
}
