using KubeNet.Controllers.Namespace;
using KubeNet.Controllers.PodGc;
using KubeNet.Controllers.ServiceAccount;

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
            ["garbagecollector"] = c => new GarbageCollector.GarbageCollector(c),
            ["serviceaccount"] = c => new ServiceAccountsController(c.Informers, c.Logger("serviceaccount")),
            ["root-ca-cert-publisher"] = c => new RootCaPublisher(c.Informers, c.Options.RootCaPem ?? string.Empty, c.Logger("root-ca-cert-publisher")),
            ["podgc"] = c => new PodGcController(c.Informers, c.Options.TerminatedPodGcThreshold, c.Logger("podgc")),
        };
}
