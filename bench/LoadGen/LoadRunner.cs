using System.Diagnostics;

namespace KubeNet.LoadGen;

/// <summary>One measured phase: successful operations, failures, wall time, latency percentiles and CPU used.</summary>
internal sealed record PhaseResult(string Name, long Ops, long Errors, TimeSpan Elapsed, double P50Ms, double P99Ms, double MaxMs, long ResponseBytes, string? FirstError)
{
    /// <summary>CPU time of the process under test during the phase (null when it is this process).</summary>
    public TimeSpan? ServerCpu { get; init; }

    public TimeSpan ClientCpu { get; init; }

    public double PerSecond => Ops / Elapsed.TotalSeconds;

    public double? ServerCpuMicrosPerOp => ServerCpu is { } cpu && Ops > 0 ? cpu.TotalMicroseconds / Ops : null;

    public double ClientCpuMicrosPerOp => Ops > 0 ? ClientCpu.TotalMicroseconds / Ops : 0;

    public double ResponseBytesPerOp => Ops > 0 ? (double)ResponseBytes / Ops : 0;
}

/// <summary>
/// A closed loop: N workers each run one operation at a time until the shared operation index reaches the count
/// or the time limit passes. Operations return the response bytes they read and throw on a wrong answer.
/// </summary>
internal static class LoadRunner
{
    public static async Task<PhaseResult> RunAsync(
        string name, int clients, long maxOps, TimeSpan maxDuration, Func<long, Task<int>> operation, ChildProcess? server = null)
    {
        long next = -1;
        long errors = 0;
        long bytes = 0;
        string? firstError = null;
        var latencies = new List<long>[clients];
        var serverCpuBefore = server?.CpuTime();
        var clientCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();

        var workers = new Task[clients];
        for (var w = 0; w < clients; w++)
        {
            var mine = latencies[w] = new List<long>(4096);
            workers[w] = Task.Run(async () =>
            {
                while (true)
                {
                    var i = Interlocked.Increment(ref next);
                    if (i >= maxOps || clock.Elapsed >= maxDuration)
                    {
                        return;
                    }

                    var start = Stopwatch.GetTimestamp();
                    try
                    {
                        var n = await operation(i);
                        mine.Add(Stopwatch.GetTimestamp() - start);
                        Interlocked.Add(ref bytes, n);
                    }
                    catch (Exception ex) when (ex is not OutOfMemoryException)
                    {
                        Interlocked.Increment(ref errors);
                        Interlocked.CompareExchange(ref firstError, ex.GetType().Name + ": " + ex.Message, null);
                    }
                }
            });
        }

        await Task.WhenAll(workers);
        clock.Stop();
        var clientCpu = Process.GetCurrentProcess().TotalProcessorTime - clientCpuBefore;
        var serverCpu = server is null ? (TimeSpan?)null : server.CpuTime() - serverCpuBefore!.Value;

        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        double Percentile(double p) => all.Length == 0
            ? double.NaN
            : all[Math.Min(all.Length - 1, (int)Math.Ceiling(p * all.Length) - 1)] * 1000.0 / Stopwatch.Frequency;

        var result = new PhaseResult(name, all.Length, errors, clock.Elapsed, Percentile(0.50), Percentile(0.99), Percentile(1.0), bytes, firstError)
        {
            ServerCpu = serverCpu,
            ClientCpu = clientCpu,
        };
        Console.WriteLine(
            $"  {name}: {result.Ops:N0} ok, {result.Errors:N0} failed in {result.Elapsed.TotalSeconds:F1} s = {result.PerSecond:N0}/s, " +
            $"p50 {result.P50Ms:F2} ms, p99 {result.P99Ms:F2} ms, max {result.MaxMs:F1} ms" +
            (result.ServerCpuMicrosPerOp is { } us ? $", server CPU {us:F0} us/op" : "") +
            $", client CPU {result.ClientCpuMicrosPerOp:F0} us/op" +
            (firstError is null ? "" : $"\n    first failure: {firstError}"));
        return result;
    }

    /// <summary>Runs the operation unmeasured for a while so the JIT and connection pools settle.</summary>
    public static async Task WarmUpAsync(int clients, TimeSpan duration, Func<long, Task<int>> operation)
    {
        if (duration <= TimeSpan.Zero)
        {
            return;
        }

        long next = -1;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed < duration)
            {
                try
                {
                    await operation(Interlocked.Increment(ref next));
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // The measured phase reports failures; warm-up only has to pass time.
                }
            }
        }));
        await Task.WhenAll(workers);
    }
}
