namespace KubeNet.Client;

/// <summary>Settings of one informer. Defaults follow client-go's reflector and shared informer.</summary>
public sealed class SharedInformerOptions
{
    /// <summary>How often every cached object is replayed to the handlers as an update; zero turns resync off.</summary>
    public TimeSpan ResyncPeriod { get; set; } = TimeSpan.Zero;

    /// <summary>Items per list page (client-go's pager asks for 500).</summary>
    public int PageSize { get; set; } = 500;

    /// <summary>Each watch asks the server to end it after a random time in [this, 2x this], so load spreads out.</summary>
    public TimeSpan MinWatchTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>First wait after a failed list or watch; it doubles up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(800);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    public void Validate()
    {
        if (ResyncPeriod < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ResyncPeriod), ResyncPeriod, "must not be negative");
        }

        if (PageSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(PageSize), PageSize, "must be positive");
        }

        if (MinWatchTimeout < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(MinWatchTimeout), MinWatchTimeout, "must be at least one second");
        }

        if (InitialBackoff <= TimeSpan.Zero || MaxBackoff < InitialBackoff)
        {
            throw new ArgumentException("backoff must be positive and its maximum at least its initial value");
        }
    }
}
