using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.ApiServer.Registry;
using KubeNet.ApiServer.Registry.Strategies;

namespace KubeNet.ApiServer.Tests.Strategies;

/// <summary>Runs a kind's strategy hooks in the order the generic store calls them, without a server.</summary>
internal static class StrategyHarness
{
    private static readonly StrategyCatalog Catalog = new();

    public static IStrategy For(string group, string version, string resource) =>
        Catalog.For(KindCatalog.Find(group, version, resource) ?? throw new ArgumentException($"{group}/{version}/{resource} is not served"));

    /// <summary>Create: the store sets uid and creationTimestamp first, then PrepareForCreate, Default, Validate.</summary>
    public static List<string> Create(IStrategy strategy, IKubernetesObject<V1ObjectMeta> obj)
    {
        obj.Metadata ??= new V1ObjectMeta();
        obj.Metadata.Uid ??= "11111111-2222-3333-4444-555555555555";
        obj.Metadata.NamespaceProperty ??= "default";
        strategy.PrepareForCreate(obj);
        strategy.Default(obj);
        var errors = new List<FieldError>();
        strategy.Validate(obj, errors);
        return errors.Select(e => e.ToString()).ToList();
    }

    /// <summary>Update of the main resource: PrepareForUpdate, Default, Validate and ValidateUpdate.</summary>
    public static List<string> Update(IStrategy strategy, IKubernetesObject<V1ObjectMeta> obj, IKubernetesObject<V1ObjectMeta> old)
    {
        strategy.PrepareForUpdate(obj, old);
        strategy.Default(obj);
        var errors = new List<FieldError>();
        strategy.Validate(obj, errors);
        strategy.ValidateUpdate(obj, old, errors);
        return errors.Select(e => e.ToString()).ToList();
    }

    public static T Clone<T>(T obj)
        where T : class, IKubernetesObject<V1ObjectMeta> => (T)ObjectCodec.Clone(obj);

    public static V1PodTemplateSpec Template(IDictionary<string, string>? labels, string restartPolicy = "Always", string image = "busybox:1.36") => new()
    {
        Metadata = new V1ObjectMeta { Labels = labels },
        Spec = new V1PodSpec { RestartPolicy = restartPolicy, Containers = [new V1Container { Name = "main", Image = image }] },
    };

    public static Dictionary<string, string> Labels(params string[] pairs)
    {
        var d = new Dictionary<string, string>();
        for (var i = 0; i < pairs.Length; i += 2)
        {
            d[pairs[i]] = pairs[i + 1];
        }

        return d;
    }
}
