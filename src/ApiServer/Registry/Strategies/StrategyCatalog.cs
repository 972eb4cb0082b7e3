using System.Collections.Frozen;
using KubeNet.ApiMachinery.Kinds;

namespace KubeNet.ApiServer.Registry.Strategies;

/// <summary>The strategy of each stored resource: a per-kind class where the kind has rules of its own, else the generic one.</summary>
internal sealed class StrategyCatalog : IStrategyCatalog
{
    private readonly FrozenDictionary<string, IStrategy> _byResource;

    public StrategyCatalog()
    {
        var map = new Dictionary<string, IStrategy>();
        foreach (var info in KindCatalog.AllResources.Where(r => !r.Virtual && r.StoredType == r.ClrType))
        {
            map[info.StoredResource] = Create(info);
        }

        _byResource = map.ToFrozenDictionary();
    }

    public IStrategy For(ResourceInfo storageInfo) => _byResource[storageInfo.StoredResource];

    private static IStrategy Create(ResourceInfo info) => info.Resource switch
    {
        "pods" => new PodStrategy(info),
        "namespaces" => new NamespaceStrategy(info),
        "services" => new ServiceStrategy(info),
        "nodes" => new NodeStrategy(info),
        "secrets" => new SecretStrategy(info),
        "configmaps" => new ConfigMapStrategy(info),
        "deployments" => new DeploymentStrategy(info),
        "replicasets" => new ReplicaSetStrategy(info),
        "statefulsets" => new StatefulSetStrategy(info),
        "daemonsets" => new DaemonSetStrategy(info),
        "replicationcontrollers" => new ReplicationControllerStrategy(info),
        "jobs" => new JobStrategy(info),
        "cronjobs" => new CronJobStrategy(info),
        "roles" or "clusterroles" => new RoleStrategy(info),
        "rolebindings" or "clusterrolebindings" => new RoleBindingStrategy(info),
        "persistentvolumeclaims" => new PersistentVolumeClaimStrategy(info),
        "persistentvolumes" => new PersistentVolumeStrategy(info),
        "storageclasses" => new StorageClassStrategy(info),
        "priorityclasses" => new PriorityClassStrategy(info),
        "networkpolicies" => new NetworkPolicyStrategy(info),
        "horizontalpodautoscalers" => new HorizontalPodAutoscalerStrategy(info),
        "customresourcedefinitions" => new CustomResourceDefinitionStrategy(info),
        "endpoints" or "events" or "leases" or "limitranges" or "endpointslices" => new CreateOnUpdateStrategy(info),
        _ => new GenericStrategy(info),
    };
}
