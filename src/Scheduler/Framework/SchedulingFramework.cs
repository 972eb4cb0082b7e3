using k8s;
using KubeNet.Client;
using KubeNet.Scheduler.Cache;
using KubeNet.Scheduler.Queue;

namespace KubeNet.Scheduler.Framework;

/// <summary>
/// One profile's plugins, sorted into their extension points in the default order, and the code that runs each point
/// (upstream frameworkImpl). The scheduler calls it; plugins reach back into it through <see cref="IFrameworkHandle"/>.
/// </summary>
internal sealed class SchedulingFramework : IFrameworkHandle
{
    private readonly IPreEnqueuePlugin[] _preEnqueue;
    private readonly IPreFilterPlugin[] _preFilter;
    private readonly IFilterPlugin[] _filter;
    private readonly IPostFilterPlugin[] _postFilter;
    private readonly IPreScorePlugin[] _preScore;
    private readonly IScorePlugin[] _score;
    private readonly long[] _scoreWeights;
    private readonly IReservePlugin[] _reserve;
    private readonly IPermitPlugin[] _permit;
    private readonly IPreBindPlugin[] _preBind;
    private readonly IBindPlugin[] _bind;
    private readonly IPostBindPlugin[] _postBind;
    private readonly Dictionary<string, int> _filterIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _scoreIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<string, WaitingPod> _waiting = new(StringComparer.Ordinal);
    private readonly Lock _waitingLock = new();

    // Nominated pods as of the start of the current cycle; null when there are none, which skips every lookup.
    private Dictionary<string, List<PodInfo>>? _nominatedForCycle;

    public SchedulingFramework(SchedulerProfile profile, Snapshot snapshot, IKubernetes client, Listers listers, Nominator nominator, EventRecorder? events)
    {
        Profile = profile;
        SchedulerName = profile.SchedulerName;
        Snapshot = snapshot;
        Client = client;
        Listers = listers;
        Nominator = nominator;
        Events = events;

        var disabled = new HashSet<string>(profile.DisabledPlugins, StringComparer.Ordinal);
        var plugins = new List<IPlugin>();
        foreach (var name in PluginRegistry.DefaultOrder)
        {
            if (!disabled.Contains(name) && PluginRegistry.Create(name, profile, this) is { } plugin)
            {
                plugins.Add(plugin);
            }
        }

        Plugins = plugins;
        _preEnqueue = [.. plugins.OfType<IPreEnqueuePlugin>()];
        _preFilter = [.. plugins.OfType<IPreFilterPlugin>()];
        _filter = [.. plugins.OfType<IFilterPlugin>()];
        _postFilter = [.. plugins.OfType<IPostFilterPlugin>()];
        _preScore = [.. plugins.OfType<IPreScorePlugin>()];
        _score = [.. plugins.OfType<IScorePlugin>()];
        _reserve = [.. plugins.OfType<IReservePlugin>()];
        _permit = [.. plugins.OfType<IPermitPlugin>()];
        _preBind = [.. plugins.OfType<IPreBindPlugin>()];
        _bind = [.. plugins.OfType<IBindPlugin>()];
        _postBind = [.. plugins.OfType<IPostBindPlugin>()];
        if (_filter.Length > 64 || _score.Length > 64)
        {
            throw new InvalidOperationException("a profile supports at most 64 filter and 64 score plugins");
        }

        for (var i = 0; i < _filter.Length; i++)
        {
            _filterIndex[_filter[i].Name] = i;
        }

        _scoreWeights = new long[_score.Length];
        for (var i = 0; i < _score.Length; i++)
        {
            _scoreIndex[_score[i].Name] = i;
            _scoreWeights[i] = profile.ScoreWeights.TryGetValue(_score[i].Name, out var w) ? w
                : PluginRegistry.DefaultWeights.GetValueOrDefault(_score[i].Name, 1);
        }

        var registered = new List<RegisteredEvent>();
        foreach (var plugin in plugins.OfType<IEnqueueExtensions>())
        {
            foreach (var e in plugin.EventsToRegister())
            {
                registered.Add(new RegisteredEvent(e.Event, plugin.Name, e.Hint));
            }
        }

        RegisteredEvents = registered;
    }

    public SchedulerProfile Profile { get; }

    public string SchedulerName { get; }

    public Snapshot Snapshot { get; }

    public IKubernetes Client { get; }

    public Listers Listers { get; }

    public Nominator Nominator { get; }

    public EventRecorder? Events { get; }

    public IReadOnlyList<IPlugin> Plugins { get; }

    public IReadOnlyList<RegisteredEvent> RegisteredEvents { get; }

    public bool HasFilterPlugins => _filter.Length > 0;

    public bool HasScorePlugins => _score.Length > 0;

    public bool HasPostFilterPlugins => _postFilter.Length > 0;

    /// <summary>Captures the nominated pods once per cycle so per-node filtering does not take the nominator's lock.</summary>
    public void BeginCycle() => _nominatedForCycle = Nominator.Snapshot();

    public Status? RunPreEnqueue(PodInfo pod)
    {
        foreach (var plugin in _preEnqueue)
        {
            var status = plugin.PreEnqueue(pod);
            if (!Status.IsSuccess(status))
            {
                return status!.WithPlugin(plugin.Name);
            }
        }

        return null;
    }

    /// <summary>
    /// Runs every PreFilter plugin. Returns the merged node restriction, a rejection (UnschedulableAndUnresolvable stops
    /// at once; Unschedulable lets the others run so preemption has their state) and the plugins that narrowed nodes.
    /// </summary>
    public (PreFilterResult? Result, Status? Status, List<string> PluginsWithNodes) RunPreFilter(CycleState state, PodInfo pod)
    {
        PreFilterResult? result = null;
        Status? returnStatus = null;
        var pluginsWithNodes = new List<string>();
        ulong skip = 0;
        foreach (var plugin in _preFilter)
        {
            (PreFilterResult? r, Status? s) outcome;
            try
            {
                outcome = plugin.PreFilter(state, pod);
            }
#pragma warning disable CA1031 // A plugin's bug fails this pod's attempt with an error status, not the scheduler.
            catch (Exception e)
#pragma warning restore CA1031
            {
                return (null, Status.FromException(e).WithPlugin(plugin.Name), pluginsWithNodes);
            }

            var (r, s) = outcome;
            if (s is { Code: StatusCode.Skip })
            {
                if (_filterIndex.TryGetValue(plugin.Name, out var index))
                {
                    skip |= 1UL << index;
                }

                continue;
            }

            if (!Status.IsSuccess(s))
            {
                s = s!.WithPlugin(plugin.Name);
                if (s.Code == StatusCode.UnschedulableAndUnresolvable)
                {
                    return (null, s, pluginsWithNodes);
                }

                if (s.Code == StatusCode.Unschedulable)
                {
                    returnStatus = s;
                    continue;
                }

                return (null, new Status(StatusCode.Error, $"running PreFilter plugin \"{plugin.Name}\": {s.Message}").WithPlugin(plugin.Name), pluginsWithNodes);
            }

            if (r is { AllNodes: false })
            {
                pluginsWithNodes.Add(plugin.Name);
            }

            result = result is null ? r : result.Merge(r);
            if (result is { AllNodes: false, NodeNames.Count: 0 })
            {
                var message = pluginsWithNodes.Count == 1
                    ? $"node(s) didn't satisfy plugin {pluginsWithNodes[0]}"
                    : $"node(s) didn't satisfy plugin(s) [{string.Join(" ", pluginsWithNodes)}] simultaneously";
                return (result, new Status(StatusCode.UnschedulableAndUnresolvable, message), pluginsWithNodes);
            }
        }

        state.SkipFilterPlugins = skip;
        return (result, returnStatus, pluginsWithNodes);
    }

    public Status? RunPreFilterExtensionAddPod(CycleState state, PodInfo podToSchedule, PodInfo podToAdd, NodeInfo nodeInfo)
    {
        foreach (var plugin in _preFilter)
        {
            if (plugin.Extensions is null || IsFilterSkipped(state, plugin.Name))
            {
                continue;
            }

            var status = plugin.Extensions.AddPod(state, podToSchedule, podToAdd, nodeInfo);
            if (!Status.IsSuccess(status))
            {
                return status!.WithPlugin(plugin.Name);
            }
        }

        return null;
    }

    public Status? RunPreFilterExtensionRemovePod(CycleState state, PodInfo podToSchedule, PodInfo podToRemove, NodeInfo nodeInfo)
    {
        foreach (var plugin in _preFilter)
        {
            if (plugin.Extensions is null || IsFilterSkipped(state, plugin.Name))
            {
                continue;
            }

            var status = plugin.Extensions.RemovePod(state, podToSchedule, podToRemove, nodeInfo);
            if (!Status.IsSuccess(status))
            {
                return status!.WithPlugin(plugin.Name);
            }
        }

        return null;
    }

    /// <summary>Runs the filters on one node and returns the first rejection, naming its plugin.</summary>
    public Status? RunFilter(CycleState state, PodInfo pod, NodeInfo nodeInfo)
    {
        var skip = state.SkipFilterPlugins;
        for (var i = 0; i < _filter.Length; i++)
        {
            if ((skip & (1UL << i)) != 0)
            {
                continue;
            }

            var plugin = _filter[i];
            Status? status;
            try
            {
                status = plugin.Filter(state, pod, nodeInfo);
            }
#pragma warning disable CA1031 // A plugin's bug fails this pod's attempt with an error status, not the scheduler.
            catch (Exception e)
#pragma warning restore CA1031
            {
                status = Status.FromException(e);
            }

            if (!Status.IsSuccess(status))
            {
                if (!status!.IsRejected)
                {
                    return new Status(StatusCode.Error, $"running \"{plugin.Name}\" filter plugin: {status.Message}").WithPlugin(plugin.Name);
                }

                return status.WithPlugin(plugin.Name);
            }
        }

        return null;
    }

    /// <summary>
    /// Filters with the node's nominated pods of equal or higher priority counted as present, then (if any were added
    /// and the node passed) without them, so the decision holds whether or not those pods end up here.
    /// </summary>
    public Status? RunFilterPluginsWithNominatedPods(CycleState state, PodInfo pod, NodeInfo nodeInfo)
    {
        if (_nominatedForCycle is null || !_nominatedForCycle.TryGetValue(nodeInfo.Name, out var nominated))
        {
            return RunFilter(state, pod, nodeInfo);
        }

        NodeInfo? withNominated = null;
        CycleState? stateWithNominated = null;
        foreach (var other in nominated)
        {
            if (other.Priority < pod.Priority || string.Equals(other.Uid, pod.Uid, StringComparison.Ordinal))
            {
                continue;
            }

            withNominated ??= nodeInfo.Clone();
            stateWithNominated ??= state.Clone();
            withNominated.AddPod(other);
            var added = RunPreFilterExtensionAddPod(stateWithNominated, pod, other, withNominated);
            if (!Status.IsSuccess(added))
            {
                return added;
            }
        }

        if (withNominated is null)
        {
            return RunFilter(state, pod, nodeInfo);
        }

        var first = RunFilter(stateWithNominated!, pod, withNominated);
        if (!Status.IsSuccess(first))
        {
            return first;
        }

        return RunFilter(state, pod, nodeInfo);
    }

    public async Task<(PostFilterResult? Result, Status? Status)> RunPostFilterAsync(CycleState state, PodInfo pod, NodeToStatus statuses, CancellationToken ct)
    {
        PostFilterResult? result = null;
        var reasons = new List<string>();
        Status? firstRejection = null;
        foreach (var plugin in _postFilter)
        {
            var (r, s) = await plugin.PostFilterAsync(state, pod, statuses, ct);
            if (Status.IsSuccess(s))
            {
                return (r, null);
            }

            if (s!.Code == StatusCode.UnschedulableAndUnresolvable)
            {
                return (r, s.WithPlugin(plugin.Name));
            }

            if (!s.IsRejected)
            {
                return (null, s.WithPlugin(plugin.Name));
            }

            result ??= r;
            firstRejection ??= s.WithPlugin(plugin.Name);
            reasons.AddRange(s.Reasons);
        }

        if (firstRejection is null)
        {
            return (result, new Status(StatusCode.Unschedulable));
        }

        return (result, reasons.Count == firstRejection.Reasons.Count ? firstRejection : new Status(StatusCode.Unschedulable, [.. reasons]));
    }

    public Status? RunPreScore(CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> nodes)
    {
        ulong skip = 0;
        foreach (var plugin in _preScore)
        {
            var status = plugin.PreScore(state, pod, nodes);
            if (status is { Code: StatusCode.Skip })
            {
                if (_scoreIndex.TryGetValue(plugin.Name, out var index))
                {
                    skip |= 1UL << index;
                }

                continue;
            }

            if (!Status.IsSuccess(status))
            {
                return new Status(StatusCode.Error, $"running PreScore plugin \"{plugin.Name}\": {status!.Message}").WithPlugin(plugin.Name);
            }
        }

        state.SkipScorePlugins = skip;
        return null;
    }

    /// <summary>
    /// Scores every node with every score plugin not skipped, normalizes, weighs and sums into <paramref name="totals"/>
    /// (one per node). <paramref name="scratch"/> is reused per plugin, so scoring allocates nothing per node.
    /// </summary>
    public Status? RunScore(CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> nodes, Span<long> totals, Span<long> scratch)
    {
        totals.Clear();
        var skip = state.SkipScorePlugins;
        for (var p = 0; p < _score.Length; p++)
        {
            if ((skip & (1UL << p)) != 0)
            {
                continue;
            }

            var plugin = _score[p];
            for (var i = 0; i < nodes.Count; i++)
            {
                scratch[i] = plugin.Score(state, pod, nodes[i]);
            }

            if (plugin.ScoreExtensions is { } extensions)
            {
                var status = extensions.NormalizeScore(state, pod, nodes, scratch[..nodes.Count]);
                if (!Status.IsSuccess(status))
                {
                    return new Status(StatusCode.Error, $"running Normalize on Score plugin \"{plugin.Name}\": {status!.Message}").WithPlugin(plugin.Name);
                }
            }

            var weight = _scoreWeights[p];
            for (var i = 0; i < nodes.Count; i++)
            {
                var score = scratch[i];
                if (score is > IScorePlugin.MaxNodeScore or < IScorePlugin.MinNodeScore)
                {
                    return new Status(
                        StatusCode.Error,
                        $"plugin \"{plugin.Name}\" returns an invalid score {score}, it should in the range of [{IScorePlugin.MinNodeScore}, {IScorePlugin.MaxNodeScore}] after normalizing")
                        .WithPlugin(plugin.Name);
                }

                totals[i] += score * weight;
            }
        }

        return null;
    }

    public Status? RunReserve(CycleState state, PodInfo pod, string nodeName)
    {
        foreach (var plugin in _reserve)
        {
            var status = plugin.Reserve(state, pod, nodeName);
            if (!Status.IsSuccess(status))
            {
                return status!.IsRejected ? status.WithPlugin(plugin.Name)
                    : new Status(StatusCode.Error, $"running Reserve plugin \"{plugin.Name}\": {status.Message}").WithPlugin(plugin.Name);
            }
        }

        return null;
    }

    public void RunUnreserve(CycleState state, PodInfo pod, string nodeName)
    {
        for (var i = _reserve.Length - 1; i >= 0; i--)
        {
            _reserve[i].Unreserve(state, pod, nodeName);
        }
    }

    /// <summary>Runs Permit; a Wait from any plugin parks the pod in the waiting map until <see cref="WaitOnPermitAsync"/>.</summary>
    public Status? RunPermit(CycleState state, PodInfo pod, string nodeName)
    {
        var waitFor = new List<string>();
        var timeout = TimeSpan.MaxValue;
        foreach (var plugin in _permit)
        {
            var (status, pluginTimeout) = plugin.Permit(state, pod, nodeName);
            if (Status.IsSuccess(status))
            {
                continue;
            }

            if (status!.Code == StatusCode.Wait)
            {
                waitFor.Add(plugin.Name);
                timeout = TimeSpan.FromTicks(Math.Min(timeout.Ticks, Math.Min(pluginTimeout.Ticks, TimeSpan.FromMinutes(15).Ticks)));
                continue;
            }

            return status.IsRejected ? status.WithPlugin(plugin.Name)
                : new Status(StatusCode.Error, $"running Permit plugin \"{plugin.Name}\": {status.Message}").WithPlugin(plugin.Name);
        }

        if (waitFor.Count == 0)
        {
            return null;
        }

        var waiting = new WaitingPod(pod, waitFor);
        lock (_waitingLock)
        {
            _waiting[pod.Uid] = waiting;
        }

        _ = RejectAfterAsync(waiting, timeout);
        return new Status(StatusCode.Wait);
    }

    public async Task<Status?> WaitOnPermitAsync(PodInfo pod)
    {
        WaitingPod? waiting;
        lock (_waitingLock)
        {
            _waiting.TryGetValue(pod.Uid, out waiting);
        }

        if (waiting is null)
        {
            return null;
        }

        try
        {
            return await waiting.Result;
        }
        finally
        {
            lock (_waitingLock)
            {
                _waiting.Remove(pod.Uid);
            }
        }
    }

    public WaitingPod? GetWaitingPod(string uid)
    {
        lock (_waitingLock)
        {
            return _waiting.GetValueOrDefault(uid);
        }
    }

    public async Task<Status?> RunPreBindAsync(CycleState state, PodInfo pod, string nodeName, CancellationToken ct)
    {
        foreach (var plugin in _preBind)
        {
            var status = await plugin.PreBindAsync(state, pod, nodeName, ct);
            if (!Status.IsSuccess(status))
            {
                return status!.IsRejected ? status.WithPlugin(plugin.Name)
                    : new Status(StatusCode.Error, $"running PreBind plugin \"{plugin.Name}\": {status.Message}").WithPlugin(plugin.Name);
            }
        }

        return null;
    }

    public async Task<Status?> RunBindAsync(CycleState state, PodInfo pod, string nodeName, CancellationToken ct)
    {
        foreach (var plugin in _bind)
        {
            var status = await plugin.BindAsync(state, pod, nodeName, ct);
            if (status is { Code: StatusCode.Skip })
            {
                continue;
            }

            return Status.IsSuccess(status) ? null : status!.WithPlugin(plugin.Name);
        }

        return new Status(StatusCode.Skip);
    }

    public void RunPostBind(CycleState state, PodInfo pod, string nodeName)
    {
        foreach (var plugin in _postBind)
        {
            plugin.PostBind(state, pod, nodeName);
        }
    }

    private bool IsFilterSkipped(CycleState state, string plugin) =>
        _filterIndex.TryGetValue(plugin, out var index) && (state.SkipFilterPlugins & (1UL << index)) != 0;

    private static async Task RejectAfterAsync(WaitingPod waiting, TimeSpan timeout)
    {
        if (await Task.WhenAny(waiting.Result, Task.Delay(timeout)) != waiting.Result)
        {
            waiting.Reject("Permit", $"rejected due to timeout after waiting {timeout.TotalSeconds:0}s at plugin(s) Permit");
        }
    }
}
