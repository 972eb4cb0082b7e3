using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubeNet.Client;

public static class EventTypes
{
    public const string Normal = "Normal";
    public const string Warning = "Warning";
}

/// <summary>
/// Records core/v1 Events about objects, as client-go's EventRecorder with its broadcaster and correlator: recording
/// never blocks the caller (a background writer talks to the API), and a repeat of an event already written (same
/// object, type, reason and message) bumps count and lastTimestamp on the existing Event instead of creating another.
/// </summary>
public sealed partial class EventRecorder : IAsyncDisposable
{
    // client-go's broadcaster queue length; beyond it events are dropped rather than block a controller.
    private const int QueueLength = 1000;

    // client-go's correlator remembers this many distinct events.
    private const int CacheSize = 4096;

    private const int MaxAttempts = 3;

    private readonly IKubernetes _client;
    private readonly string _component;
    private readonly string? _host;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Channel<Work> _queue = Channel.CreateBounded<Work>(new BoundedChannelOptions(QueueLength)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.DropWrite,
    });

    private readonly Dictionary<string, LinkedListNode<Seen>> _seen = new(StringComparer.Ordinal);
    private readonly LinkedList<Seen> _recent = new();
    private readonly Task _writer;

    public EventRecorder(IKubernetes client, string component, string? host = null, ILogger? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(component);
        _client = client;
        _component = component;
        _host = host;
        _logger = logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Records an event about <paramref name="obj"/>; <paramref name="type"/> is Normal or Warning.</summary>
    public void Event(IKubernetesObject<V1ObjectMeta> obj, string type, string reason, string message) =>
        Event(ObjectReferences.For(obj), type, reason, message);

    public void Event(V1ObjectReference involvedObject, string type, string reason, string message)
    {
        if (type is not (EventTypes.Normal or EventTypes.Warning))
        {
            throw new ArgumentException($"unsupported event type \"{type}\"", nameof(type));
        }

        _queue.Writer.TryWrite(new Work(involvedObject, type, reason, message, _time.GetUtcNow(), null));
    }

    /// <summary>Completes once every event recorded before the call has been written (or given up on).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _queue.Writer.WriteAsync(new Work(null, string.Empty, string.Empty, string.Empty, default, done), cancellationToken);
        await done.Task.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer;
    }

    private async Task WriteLoopAsync()
    {
        await foreach (var work in _queue.Reader.ReadAllAsync())
        {
            if (work.Flushed is not null)
            {
                work.Flushed.TrySetResult();
                continue;
            }

            for (var attempt = 1; attempt <= MaxAttempts; attempt++)
            {
                try
                {
                    await WriteAsync(work);
                    break;
                }
                catch (Exception ex)
                {
                    LogWriteFailed(_logger, work.Reason, work.InvolvedObject!.Kind, work.InvolvedObject.Name, attempt, ex);
                    if (attempt < MaxAttempts)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), _time);
                    }
                }
            }
        }
    }

    private async Task WriteAsync(Work work)
    {
        var involved = work.InvolvedObject!;

        // Events about cluster-scoped objects live in the default namespace, as upstream.
        var ns = string.IsNullOrEmpty(involved.NamespaceProperty) ? "default" : involved.NamespaceProperty;
        var key = string.Join('\u0000', _component, _host, involved.ApiVersion, involved.Kind, ns, involved.Name, involved.Uid, work.Type, work.Reason, work.Message);
        var now = work.Time.UtcDateTime;

        if (_seen.TryGetValue(key, out var node))
        {
            var seen = node.Value;
            var patch = new JsonObject
            {
                ["count"] = seen.Count + 1,
                ["lastTimestamp"] = now.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                ["message"] = work.Message,
            };
            try
            {
                await _client.CoreV1.PatchNamespacedEventAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.StrategicMergePatch), seen.Name, seen.Namespace);
                node.Value = seen with { Count = seen.Count + 1 };
                _recent.Remove(node);
                _recent.AddFirst(node);
                return;
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
            {
                // The event expired (the API server keeps events for an hour): start a new one.
                Forget(key);
            }
        }

        var created = await _client.CoreV1.CreateNamespacedEventAsync(
            new Corev1Event
            {
                Metadata = new V1ObjectMeta
                {
                    // client-go names events "<object>.<unix nanoseconds in hex>".
                    Name = string.Create(CultureInfo.InvariantCulture, $"{involved.Name}.{(work.Time - DateTimeOffset.UnixEpoch).Ticks * 100:x}"),
                    NamespaceProperty = ns,
                },
                InvolvedObject = involved,
                Reason = work.Reason,
                Message = work.Message,
                Type = work.Type,
                Count = 1,
                FirstTimestamp = now,
                LastTimestamp = now,
                Source = new V1EventSource { Component = _component, Host = _host },
                ReportingComponent = _component,
                ReportingInstance = _host ?? string.Empty,
            },
            ns);
        Remember(key, new Seen(created.Metadata.Name, ns, 1));
    }

    private void Remember(string key, Seen seen)
    {
        var node = _recent.AddFirst(new Seen(seen.Name, seen.Namespace, seen.Count) { Key = key });
        _seen[key] = node;
        if (_seen.Count > CacheSize)
        {
            var oldest = _recent.Last!;
            _recent.RemoveLast();
            _seen.Remove(oldest.Value.Key);
        }
    }

    private void Forget(string key)
    {
        if (_seen.Remove(key, out var node))
        {
            _recent.Remove(node);
        }
    }

    private sealed record Work(V1ObjectReference? InvolvedObject, string Type, string Reason, string Message, DateTimeOffset Time, TaskCompletionSource? Flushed);

    private sealed record Seen(string Name, string Namespace, int Count)
    {
        public string Key { get; init; } = string.Empty;
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Writing event {Reason} about {Kind} {Name} failed (attempt {Attempt})")]
    private static partial void LogWriteFailed(ILogger logger, string reason, string? kind, string? name, int attempt, Exception exception);
}
