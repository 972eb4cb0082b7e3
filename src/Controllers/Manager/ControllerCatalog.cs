using KubeNet.Controllers.Deployment;
using KubeNet.Controllers.Namespace;
using KubeNet.Controllers.ReplicaSet;

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
            ["replicaset"] = c => new ReplicaSetController(c.Informers, c.Logger("replicaset"), c.Options.Workers),
            ["replicationcontroller"] = c => new ReplicationManager(c.Informers, c.Logger("replicationcontroller"), c.Options.Workers),
            ["deployment"] = c => new DeploymentController(c.Informers, c.Logger("deployment"), c.Options.Workers),
        };
}
