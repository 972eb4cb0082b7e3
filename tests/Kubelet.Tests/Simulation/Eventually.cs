namespace KubeNet.Kubelet.Tests.Simulation;

internal static class Eventually
{
    /// <summary>Polls until the probe returns a value, failing with the last value's description after the timeout.</summary>
    public static async Task<T> Get<T>(Func<Task<T?>> probe, TimeSpan timeout, string what)
        where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await probe();
            if (value is not null)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out after {timeout.TotalSeconds} s waiting for {what}");
            }

            await Task.Delay(100);
        }
    }
}
