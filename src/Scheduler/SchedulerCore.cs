using k8s;
using k8s.Models;
using KubeNet.Client;
using KubeNet.Scheduler.Cache;
using KubeNet.Scheduler.Framework;
using KubeNet.Scheduler.Queue;
using Microsoft.Extensions.Logging;

namespace KubeNet.Scheduler;

/// <summary>
/// The scheduler proper while it leads (upstream Scheduler): informers feed the cache (assigned pods, nodes) and the
/// queue (pending pods of our profiles); one loop pops pods and runs the scheduling cycle against a snapshot; binding
/// runs in the background. Built per leadership term, so a lost lease drops all state.
/// </summary>
internal sealed partial class SchedulerCore
{
    private readonly IKubernetes _client;
    private readonly SchedulerOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, SchedulingFramework> _profiles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, EventRecorder> _recorders = new(StringComparer.Ordinal);
    private readonly Lock _bindingsLock = new();
    private readonly HashSet<Task> _bindings = [];

    // Binding cycles run in the background, but at most this many talk to the API server at once: a burst of pods
    // must not exceed the server's in-flight limit (200 mutating requests) and meet 429s, as client-go's rate limiter
    // keeps upstream's scheduler from doing.
    // A bounded channel is the counting semaphore: writing takes a slot, reading one back frees it.
    private readonly System.Threading.Channels.Channel<bool> _bindSlots = System.Threading.Channels.Channel.CreateBounded<bool>(MaxConcurrentBindings);
    private int _nextStartNodeIndex;
    private readonly List<NodeInfo> _feasible = [];
    private long[] _totals = new long[256];
    private long[] _scratch = new long[256];

    public SchedulerCore(IKubernetes client, SchedulerOptions options, Listers listers, ILogger logger, TimeProvider? time = null)
    {
        _client = client;
        _options = options;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        Listers = listers;
        Queue = new SchedulingQueue(
            _time,
            options.PodInitialBackoff,
            options.PodMaxBackoff,
            options.PodMaxInUnschedulablePodsDuration,
            pod => _profiles.TryGetValue(pod.SchedulerName, out var fwk) ? fwk.RunPreEnqueue(pod) : null,
            name => _profiles.TryGetValue(name, out var fwk) ? fwk.RegisteredEvents : null);
        foreach (var profile in options.Profiles)
        {
            var recorder = new EventRecorder(client, profile.SchedulerName);
            _recorders[profile.SchedulerName] = recorder;
            _profiles[profile.SchedulerName] = new SchedulingFramework(profile, Snapshot, client, listers, Queue.Nominator, recorder);
        }
    }

    public SchedulerCache Cache { get; } = new();

    public Snapshot Snapshot { get; } = new();

    public SchedulingQueue Queue { get; }

    public Listers Listers { get; }

    public IReadOnlyDictionary<string, SchedulingFramework> Profiles => _profiles;

    /// <summary>Pops and schedules pods until <paramref name="ct"/> fires, then waits for bindings in flight.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var flush = FlushLoopAsync(ct);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var queued = await Queue.PopAsync(ct);
                if (queued is null)
                {
                    break;
                }

                try
                {
                    await ScheduleOneAsync(queued, ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    break;
                }
#pragma warning disable CA1031 // One pod's unexpected failure must not stop scheduling: it is retried after a backoff.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    _logger.CycleCrashed(queued.Key, e);
                    queued.UnschedulablePlugins.Clear();
                    queued.PendingPlugins.Clear();
                    Queue.AddUnschedulable(queued);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            Queue.Close();
            Task[] pending;
            lock (_bindingsLock)
            {
                pending = [.. _bindings];
            }

            await Task.WhenAll(pending.Append(flush)).ContinueWith(static _ => { }, TaskScheduler.Default);
            foreach (var recorder in _recorders.Values)
            {
                await recorder.DisposeAsync();
            }
        }
    }

    /// <summary>Completes once every event recorded so far is written (tests read events right after a pod settles).</summary>
    public async Task FlushEventsAsync(CancellationToken ct)
    {
        foreach (var recorder in _recorders.Values)
        {
            await recorder.FlushAsync(ct);
        }
    }

    private async Task FlushLoopAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), _time);
        var ticks = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                Queue.FlushBackoffCompleted();
                if (++ticks % 30 == 0)
                {
                    Queue.FlushUnschedulableLeftover();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private bool Responsible(V1Pod pod) => _profiles.ContainsKey(pod.Spec?.SchedulerName ?? SchedulerProfile.DefaultSchedulerName);

    private static bool Assigned(V1Pod pod) => !string.IsNullOrEmpty(pod.Spec?.NodeName);

    private static bool Terminal(V1Pod pod) => pod.Status?.Phase is "Succeeded" or "Failed";

    private void TrackBinding(Task binding)
    {
        lock (_bindingsLock)
        {
            _bindings.Add(binding);
        }

        binding.ContinueWith(
            t =>
            {
                lock (_bindingsLock)
                {
                    _bindings.Remove(t);
                }
            },
            TaskScheduler.Default);
    }
}
