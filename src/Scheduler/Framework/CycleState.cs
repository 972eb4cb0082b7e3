namespace KubeNet.Scheduler.Framework;

/// <summary>Data a plugin computes once per scheduling cycle (PreFilter, PreScore) and reads per node.</summary>
internal interface IStateData
{
    /// <summary>A copy that can be changed without touching this one (preemption and nominated pods simulate on copies).</summary>
    IStateData Clone();
}

/// <summary>
/// Per-cycle scratch space shared by the plugins of one scheduling attempt, as upstream's CycleState. Only the
/// scheduling thread touches it, so it takes no locks. The skip masks record which plugins' PreFilter or PreScore
/// returned Skip, by their index in the profile's Filter and Score lists.
/// </summary>
internal sealed class CycleState
{
    private readonly Dictionary<string, IStateData> _data;

    public CycleState()
        : this(new Dictionary<string, IStateData>(4, StringComparer.Ordinal))
    {
    }

    private CycleState(Dictionary<string, IStateData> data) => _data = data;

    public ulong SkipFilterPlugins { get; set; }

    public ulong SkipScorePlugins { get; set; }

    public void Write(string key, IStateData value) => _data[key] = value;

    public T? Read<T>(string key)
        where T : class, IStateData => _data.TryGetValue(key, out var value) ? value as T : null;

    public void Delete(string key) => _data.Remove(key);

    public CycleState Clone()
    {
        var copy = new Dictionary<string, IStateData>(_data.Count, StringComparer.Ordinal);
        foreach (var (key, value) in _data)
        {
            copy[key] = value.Clone();
        }

        return new CycleState(copy) { SkipFilterPlugins = SkipFilterPlugins, SkipScorePlugins = SkipScorePlugins };
    }
}
