using k8s;

namespace KubeNet.Controllers.Common;

/// <summary>
/// DeepCopy for API objects. Informer caches hand out shared instances; a controller copies one before changing it,
/// as client-go controllers call obj.DeepCopy().
/// </summary>
internal static class ObjectCopy
{
    public static T DeepCopy<T>(T obj)
        where T : class => KubernetesJson.Deserialize<T>(KubernetesJson.Serialize(obj));

    /// <summary>
    /// metav1.Now() as the API stores it: whole seconds, so a condition written and read back compares equal and a
    /// status computed twice does not look changed.
    /// </summary>
    public static DateTime Now(TimeProvider time)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
    }
}
