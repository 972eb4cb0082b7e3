using k8s;
using k8s.Models;
using KubeNet.ApiServer.Http;

namespace KubeNet.ApiServer.Printers;

/// <summary>
/// Builders for printer columns. A cell reads the stored object as its storage type; an object of another type
/// (which the catalogue never stores under that kind) prints as null rather than failing the whole table.
/// </summary>
internal static class Columns
{
    /// <summary>The Name column every printer starts with: format "name" so kubectl can build resource/name.</summary>
    public static TableColumn Name(int priority = 0) => new("Name", "string", "name", Docs.Name, priority, (o, _) => o.Name);

    /// <summary>A Name column whose text depends on the object (a StorageClass marks its default).</summary>
    public static TableColumn Name<T>(Func<T, string> cell)
        where T : class
        => new("Name", "string", "name", Docs.Name, 0, (o, _) => o.Object is T t ? cell(t) : o.Name);

    /// <summary>The Age column: the time since creation as HumanDuration writes it.</summary>
    public static TableColumn Age() => new("Age", "string", string.Empty, Docs.CreationTimestamp, 0, (o, now) => Durations.Since(o.Metadata.CreationTimestamp, now));

    public static TableColumn Text<T>(string name, string description, Func<T, string?> cell, int priority = 0)
        where T : class
        => Of<T>(name, "string", description, (t, _) => cell(t), priority);

    public static TableColumn Integer<T>(string name, string description, Func<T, long> cell, int priority = 0)
        where T : class
        => Of<T>(name, "integer", description, (t, _) => cell(t), priority);

    public static TableColumn Of<T>(string name, string type, string description, Func<T, DateTime, object?> cell, int priority = 0, string format = "")
        where T : class
        => new(name, type, format, description, priority, (o, now) => o.Object is T t ? cell(t, now) : null);

    /// <summary>Containers and Images of a pod template, as the workload printers show them with -o wide.</summary>
    public static TableColumn[] ContainersAndImages<T>(Func<T, IList<V1Container>?> containers, int priority = 1)
        where T : class =>
    [
        Text<T>("Containers", "Names of each container in the template.", t => Formats.Containers(containers(t)).Names, priority),
        Text<T>("Images", "Images referenced by each container in the template.", t => Formats.Containers(containers(t)).Images, priority),
    ];

    /// <summary>The controller owner reference, as metav1.GetControllerOf finds it.</summary>
    public static V1OwnerReference? ControllerOf(IKubernetesObject<V1ObjectMeta> obj)
        => obj.Metadata.OwnerReferences?.FirstOrDefault(r => r.Controller == true);
}
