using k8s.Models;

namespace KubeNet.Client.Tests;

internal static class TestUtil
{
    /// <summary>Generous upper bound for anything asynchronous; tests never assert on speed.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public static V1Pod Pod(string ns, string name, IDictionary<string, string>? labels = null, string? nodeName = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels },
        Spec = new V1PodSpec
        {
            NodeName = nodeName,
            Containers = [new V1Container { Name = "c", Image = "busybox" }],
        },
    };

    /// <summary>Polls <paramref name="condition"/> until it holds or <see cref="Timeout"/> passes.</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string because)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("timed out waiting: " + because);
            }

            await Task.Delay(20);
        }
    }

    public static async Task EventuallyAsync(Func<Task<bool>> condition, string because)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("timed out waiting: " + because);
            }

            await Task.Delay(50);
        }
    }
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
