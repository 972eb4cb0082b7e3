using System.Threading.Channels;
using k8s.Models;
using KubeNet.Client;
using KubeNet.Controllers.Discovery;
using Microsoft.Extensions.Logging;

namespace KubeNet.Controllers.GarbageCollector;

internal enum GraphEventType
{
    Add,
    Update,
    Delete,
}

/// <summary>One change to feed the graph: an informer event, or a virtual delete the collector concluded.</summary>
internal sealed record GraphEvent(GraphEventType Type, V1ObjectMeta Meta, V1ObjectMeta? Old, string ApiVersion, string Kind, bool Virtual = false);

/// <summary>
/// The garbage collector's GraphBuilder: a metadata informer (monitor) per deletable resource feeds one queue of
/// changes; a single loop applies them to the owner/dependent graph and hands the objects that may need action to
/// the attemptToDelete and attemptToOrphan queues.
/// </summary>
internal sealed partial class GraphBuilder : IAsyncDisposable
{
    public const string OrphanFinalizer = "orphan";
    public const string ForegroundFinalizer = "foregroundDeletion";

    // Events are never owners in practice and are the busiest resource; upstream leaves them out.
    private static readonly HashSet<(string Group, string Resource)> Ignored = [("", "events"), ("events.k8s.io", "events")];

    private readonly RestClient _rest;
    private readonly ILogger _logger;
    private readonly Channel<GraphEvent> _changes = Channel.CreateUnbounded<GraphEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, GraphNode> _uidToNode = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Group, string Resource), Monitor> _monitors = [];
    private readonly Lock _monitorLock = new();

    public GraphBuilder(RestClient rest, WorkQueue<string> attemptToDelete, WorkQueue<string> attemptToOrphan, ILogger logger)
    {
        _rest = rest;
        AttemptToDelete = attemptToDelete;
        AttemptToOrphan = attemptToOrphan;
        _logger = logger;
    }

    /// <summary>Guards every node and the uid index; hold it briefly and never across a request.</summary>
    public Lock GraphLock { get; } = new();

    public WorkQueue<string> AttemptToDelete { get; }

    public WorkQueue<string> AttemptToOrphan { get; }

    public AbsentOwnerCache Absent { get; } = new(500);

    /// <summary>True when every monitor has listed its resource once.</summary>
    public bool IsSynced
    {
        get
        {
            lock (_monitorLock)
            {
                return _monitors.Values.All(m => m.Informer.HasSynced);
            }
        }
    }

    public int MonitorCount
    {
        get
        {
            lock (_monitorLock)
            {
                return _monitors.Count;
            }
        }
    }

    /// <summary>The node of <paramref name="uid"/>; callers hold <see cref="GraphLock"/>.</summary>
    public GraphNode? Node(string uid) => _uidToNode.GetValueOrDefault(uid);

    /// <summary>Starts monitors for resources newly served and stops those no longer served (or no longer deletable).</summary>
    public void SyncMonitors(IEnumerable<ApiResource> resources, CancellationToken ct)
    {
        var wanted = resources
            .Where(r => r.SupportsAll("delete", "list", "watch") && !Ignored.Contains((r.Group, r.Resource)))
            .ToDictionary(r => (r.Group, r.Resource));
        lock (_monitorLock)
        {
            foreach (var (key, monitor) in _monitors.ToList())
            {
                if (!wanted.TryGetValue(key, out var resource) || resource.Version != monitor.Resource.Version)
                {
                    _monitors.Remove(key);
                    monitor.Stop();
                }
            }

            var started = 0;
            foreach (var (key, resource) in wanted)
            {
                if (_monitors.ContainsKey(key))
                {
                    continue;
                }

                var informer = new SharedInformer<PartialObjectMetadata>(MetadataListWatch.For(_rest, resource));
                var apiVersion = resource.GroupVersion;
                var kind = resource.Kind;
                informer.AddEventHandler(new ResourceEventHandler<PartialObjectMetadata>
                {
                    Add = (obj, _) => _changes.Writer.TryWrite(new GraphEvent(GraphEventType.Add, obj.Metadata, null, apiVersion, kind)),
                    Update = (old, obj) => _changes.Writer.TryWrite(new GraphEvent(GraphEventType.Update, obj.Metadata, old.Metadata, apiVersion, kind)),
                    Delete = (obj, _) => _changes.Writer.TryWrite(new GraphEvent(GraphEventType.Delete, obj.Metadata, null, apiVersion, kind)),
                });
                var monitor = new Monitor(resource, informer);
                _monitors[key] = monitor;
                informer.Start(ct);
                started++;
            }

            if (started > 0)
            {
                LogMonitorsStarted(started, _monitors.Count);
            }
        }
    }

    /// <summary>Applies graph changes until cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        await foreach (var change in _changes.Reader.ReadAllAsync(ct))
        {
            lock (GraphLock)
            {
                try
                {
                    Process(change);
                }
                catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or NullReferenceException)
                {
                    LogProcessFailed(change.Meta.Uid ?? string.Empty, ex);
                }
            }
        }
    }

    /// <summary>Reports that the object behind <paramref name="identity"/> does not exist (a verified absence).</summary>
    public void EnqueueVirtualDelete(ObjectIdentity identity) => _changes.Writer.TryWrite(new GraphEvent(
        GraphEventType.Delete,
        new V1ObjectMeta { Name = identity.Name, NamespaceProperty = identity.Namespace, Uid = identity.Uid },
        null,
        identity.ApiVersion,
        identity.Kind,
        Virtual: true));

    public async ValueTask DisposeAsync()
    {
        _changes.Writer.TryComplete();
        List<Monitor> monitors;
        lock (_monitorLock)
        {
            monitors = [.. _monitors.Values];
            _monitors.Clear();
        }

        foreach (var monitor in monitors)
        {
            await monitor.Informer.DisposeAsync();
        }
    }

    private sealed record Monitor(ApiResource Resource, SharedInformer<PartialObjectMetadata> Informer)
    {
        public void Stop() => _ = Informer.DisposeAsync().AsTask();
    }

    [LoggerMessage(EventId = 4703, Level = LogLevel.Information, Message = "Garbage collector: started {Started} resource monitors ({Total} in all)")]
    private partial void LogMonitorsStarted(int started, int total);

    [LoggerMessage(EventId = 4704, Level = LogLevel.Error, Message = "Garbage collector: applying a change of {Uid} to the graph failed")]
    private partial void LogProcessFailed(string uid, Exception exception);
}
