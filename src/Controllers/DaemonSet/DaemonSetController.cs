using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Selectors;
using KubeNet.Client;
using KubeNet.Controllers.Workloads;
using Microsoft.Extensions.Logging;

namespace KubeNet.Controllers.DaemonSet;

/// <summary>
/// The DaemonSet controller (pkg/controller/daemon): one pod per eligible node, pinned there through required node
/// affinity on metadata.name so the scheduler binds it. Pods of nodes that no longer qualify are deleted, failed pods
/// are replaced with backoff, and template changes roll out per node within maxUnavailable or maxSurge.
/// </summary>
public sealed partial class DaemonSetController : IController
{
    internal const string ApiVersion = "apps/v1";
    internal const string Kind = "DaemonSet";

    /// <summary>BurstReplicas: at most this many creations or deletions per sync.</summary>
    private const int BurstReplicas = 250;

    private readonly IKubernetes _client;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SharedInformer<V1DaemonSet> _sets;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly SharedInformer<V1Node> _nodes;
    private readonly SharedInformer<V1ControllerRevision> _revisions;
    private readonly WorkQueue<string> _queue = new();
    private readonly Workers _workers;
    private readonly EventRecorder _recorder;
    private readonly PodControl _podControl;
    private readonly ControllerExpectations _expectations;
    private readonly FailedPodBackoff _failedPodsBackoff;
    private readonly int _workerCount;

    public DaemonSetController(SharedInformerFactory informers, ILogger logger, int workers = 2, TimeProvider? timeProvider = null)
    {
        _client = informers.Client;
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
        _workerCount = workers;
        _expectations = new ControllerExpectations(_time);
        _failedPodsBackoff = new FailedPodBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(15));
        _recorder = new EventRecorder(_client, "daemonset-controller", logger: logger);
        _podControl = new PodControl(_client, _recorder);
        _workers = new Workers(_queue, SyncAsync, (key, ex) => LogSyncFailed(key, ex.Message));

        _sets = informers.GetInformer<V1DaemonSet>();
        _sets.AddEventHandler(new ResourceEventHandler<V1DaemonSet>
        {
            Add = (ds, _) => Enqueue(ds),
            Update = (_, ds) => Enqueue(ds),
            Delete = (ds, _) => Enqueue(ds),
        });
        _revisions = informers.GetInformer<V1ControllerRevision>();
        _revisions.AddEventHandler(new ResourceEventHandler<V1ControllerRevision>
        {
            Add = (revision, _) => OwnerOrMatching(revision.Metadata, null),
            Update = (old, cur) =>
            {
                if (old.Metadata.ResourceVersion != cur.Metadata.ResourceVersion)
                {
                    OwnerOrMatching(cur.Metadata, old.Metadata);
                }
            },
            Delete = (revision, _) => Owner(revision.Metadata),
        });
        _pods = informers.GetInformer<V1Pod>();
        _pods.AddEventHandler(new ResourceEventHandler<V1Pod>
        {
            Add = (pod, _) => AddPod(pod),
            Update = UpdatePod,
            Delete = (pod, _) => DeletePod(pod),
        });
        _nodes = informers.GetInformer<V1Node>();
        _nodes.AddEventHandler(new ResourceEventHandler<V1Node>
        {
            Add = (node, _) => AddNode(node),
            Update = UpdateNode,
        });
    }

    public void Start() => _workers.Start(_workerCount);

    public async ValueTask DisposeAsync()
    {
        await _workers.DisposeAsync();
        await _recorder.DisposeAsync();
    }

    private static string Key(V1ObjectMeta meta) => meta.NamespaceProperty + "/" + meta.Name;

    private void Enqueue(V1DaemonSet ds) => _queue.Add(Key(ds.Metadata));

    private V1DaemonSet? ResolveControllerRef(string ns, V1OwnerReference reference)
    {
        if (reference.Kind != Kind)
        {
            return null;
        }

        var ds = _sets.Lister.Get(ns, reference.Name);
        return ds is not null && ds.Metadata.Uid == reference.Uid ? ds : null;
    }

    private IEnumerable<V1DaemonSet> SetsMatching(V1ObjectMeta meta)
    {
        if (meta.Labels is not { Count: > 0 } labels)
        {
            yield break;
        }

        foreach (var ds in _sets.Lister.List(meta.NamespaceProperty))
        {
            if (LabelSelector.TryFromLabelSelector(ds.Spec?.Selector, out var selector, out _) && !selector.IsEmpty && selector.Matches(labels.AsReadOnly()))
            {
                yield return ds;
            }
        }
    }

    private void Owner(V1ObjectMeta meta)
    {
        if (Objects.ControllerOf(meta) is { } reference && ResolveControllerRef(meta.NamespaceProperty, reference) is { } ds)
        {
            Enqueue(ds);
        }
    }

    /// <summary>add/updateHistory: the owner, or for an orphan every DaemonSet that might adopt it.</summary>
    private void OwnerOrMatching(V1ObjectMeta meta, V1ObjectMeta? old)
    {
        var curRef = Objects.ControllerOf(meta);
        if (old is not null && Objects.ControllerOf(old) is { } oldRef && !Objects.SameReference(oldRef, curRef))
        {
            Owner(old);
        }

        if (curRef is not null)
        {
            Owner(meta);
            return;
        }

        if (old is null || !Objects.SameLabels(meta.Labels, old.Labels) || Objects.ControllerOf(old) is not null)
        {
            foreach (var ds in SetsMatching(meta))
            {
                Enqueue(ds);
            }
        }
    }

    private void AddPod(V1Pod pod)
    {
        if (pod.Metadata.DeletionTimestamp is not null)
        {
            DeletePod(pod);
            return;
        }

        if (Objects.ControllerOf(pod.Metadata) is { } reference)
        {
            if (ResolveControllerRef(pod.Metadata.NamespaceProperty, reference) is { } ds)
            {
                _expectations.CreationObserved(Key(ds.Metadata));
                Enqueue(ds);
            }

            return;
        }

        foreach (var ds in SetsMatching(pod.Metadata))
        {
            Enqueue(ds);
        }
    }

    private void UpdatePod(V1Pod old, V1Pod cur)
    {
        if (cur.Metadata.ResourceVersion == old.Metadata.ResourceVersion)
        {
            return;
        }

        if (cur.Metadata.DeletionTimestamp is not null)
        {
            DeletePod(cur);
            return;
        }

        var curRef = Objects.ControllerOf(cur.Metadata);
        var oldRef = Objects.ControllerOf(old.Metadata);
        var refChanged = !Objects.SameReference(curRef, oldRef);
        if (refChanged && oldRef is not null && ResolveControllerRef(old.Metadata.NamespaceProperty, oldRef) is { } previous)
        {
            Enqueue(previous);
        }

        if (curRef is not null)
        {
            if (ResolveControllerRef(cur.Metadata.NamespaceProperty, curRef) is { } ds)
            {
                Enqueue(ds);
                if (!Pods.IsReady(old) && Pods.IsReady(cur) && ds.Spec.MinReadySeconds is > 0 and var seconds)
                {
                    _queue.AddAfter(Key(ds.Metadata), TimeSpan.FromSeconds(seconds + 1));
                }
            }

            return;
        }

        if (refChanged || !Objects.SameLabels(cur.Metadata.Labels, old.Metadata.Labels))
        {
            foreach (var ds in SetsMatching(cur.Metadata))
            {
                Enqueue(ds);
            }
        }
    }

    private void DeletePod(V1Pod pod)
    {
        if (Objects.ControllerOf(pod.Metadata) is { } reference && ResolveControllerRef(pod.Metadata.NamespaceProperty, reference) is { } ds)
        {
            _expectations.DeletionObserved(Key(ds.Metadata));
            Enqueue(ds);
        }
    }

    private void AddNode(V1Node node)
    {
        foreach (var ds in _sets.Lister.List())
        {
            if (NodeEligibility.ShouldRunDaemonPod(node, ds).ShouldRun)
            {
                Enqueue(ds);
            }
        }
    }

    private void UpdateNode(V1Node old, V1Node cur)
    {
        // Only labels and taints decide eligibility.
        if (Objects.SameLabels(old.Metadata.Labels, cur.Metadata.Labels)
            && System.Text.Json.JsonSerializer.Serialize(old.Spec?.Taints) == System.Text.Json.JsonSerializer.Serialize(cur.Spec?.Taints))
        {
            return;
        }

        foreach (var ds in _sets.Lister.List())
        {
            if (NodeEligibility.ShouldRunDaemonPod(old, ds) != NodeEligibility.ShouldRunDaemonPod(cur, ds))
            {
                Enqueue(ds);
            }
        }
    }

    [LoggerMessage(EventId = 4600, Level = LogLevel.Warning, Message = "Syncing daemonset {Key} failed, retrying: {Error}")]
    private partial void LogSyncFailed(string key, string error);

    [LoggerMessage(EventId = 4601, Level = LogLevel.Information, Message = "Found failed daemon pod {Pod} on node {Node}, will try to kill it")]
    private partial void LogFailedPod(string pod, string node);
}

/// <summary>flowcontrol.Backoff as the DaemonSet controller uses it for failed pods: per node, doubling, capped.</summary>
internal sealed class FailedPodBackoff(TimeSpan initial, TimeSpan max)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (TimeSpan Delay, DateTime LastUpdate)> _entries = new(StringComparer.Ordinal);

    public TimeSpan Get(string key)
    {
        lock (_lock)
        {
            return _entries.TryGetValue(key, out var entry) ? entry.Delay : TimeSpan.Zero;
        }
    }

    public bool IsInBackOffSinceUpdate(string key, DateTime now)
    {
        lock (_lock)
        {
            return _entries.TryGetValue(key, out var entry) && now - entry.LastUpdate < entry.Delay;
        }
    }

    public void Next(string key, DateTime now)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(key, out var entry) || now - entry.LastUpdate > 2 * max)
            {
                _entries[key] = (initial, now);
                return;
            }

            var doubled = entry.Delay * 2;
            _entries[key] = (doubled > max ? max : doubled, now);
        }
    }
}
