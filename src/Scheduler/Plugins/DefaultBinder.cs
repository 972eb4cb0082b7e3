using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.Scheduler.Cache;
using KubeNet.Scheduler.Framework;

namespace KubeNet.Scheduler.Plugins;

/// <summary>DefaultBinder: binds through the pods/binding subresource, which sets spec.nodeName and PodScheduled=True.</summary>
internal sealed class DefaultBinder(IFrameworkHandle handle) : IBindPlugin
{
    public const string PluginName = "DefaultBinder";

    public string Name => PluginName;

    public async Task<Status?> BindAsync(CycleState state, PodInfo pod, string nodeName, CancellationToken ct)
    {
        var binding = new V1Binding
        {
            Metadata = new V1ObjectMeta { Name = pod.Name, NamespaceProperty = pod.Namespace, Uid = pod.Pod.Metadata.Uid },
            Target = new V1ObjectReference { Kind = "Node", Name = nodeName },
        };
        try
        {
            await handle.Client.CoreV1.CreateNamespacedPodBindingAsync(binding, pod.Name, pod.Namespace, cancellationToken: ct);
            return null;
        }
        catch (HttpOperationException e)
        {
            return Status.Error(e.Response?.Content is { Length: > 0 } body ? StatusMessage(body) : e.Message);
        }
        catch (HttpRequestException e)
        {
            return Status.FromException(e);
        }
    }

    private static string StatusMessage(string body)
    {
        try
        {
            return KubernetesJson.Deserialize<V1Status>(body)?.Message ?? body;
        }
        catch (System.Text.Json.JsonException)
        {
            return body;
        }
    }
}
