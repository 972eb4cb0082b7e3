using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using KubeNet.ApiServer.Tests.Infrastructure;

namespace KubeNet.ApiServer.Tests.Durability;

/// <summary>
/// `kube-net server` as its own process, killed with SIGKILL while writes are in flight: every write the server
/// acknowledged must be there after a restart on the same data directory, and revisions keep growing.
/// </summary>
public sealed class KillDashNineTests : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "kubenet-durability-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Every_acknowledged_create_survives_kill_9_and_later_resourceVersions_are_larger()
    {
        const int total = 400;
        const int killAfter = 120;
        const string ns = "durable";
        var acknowledged = new ConcurrentDictionary<string, long>();
        var failuresBeforeKill = new ConcurrentQueue<string>();
        var killed = 0;

        await using (var server = await KubeNetProcess.StartAsync(_dataDirectory))
        {
            using var client = server.CreateClient();
            await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });

            using var gate = new SemaphoreSlim(16);
            var writers = Enumerable.Range(0, total).Select(async i =>
            {
                await gate.WaitAsync();
                try
                {
                    if (Volatile.Read(ref killed) == 1)
                    {
                        return;
                    }

                    var name = $"cm-{i:D4}";
                    var created = await client.CoreV1.CreateNamespacedConfigMapAsync(
                        new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name }, Data = new Dictionary<string, string> { ["i"] = i.ToString() } }, ns);
                    acknowledged[name] = long.Parse(created.Metadata.ResourceVersion);
                    if (acknowledged.Count >= killAfter && Interlocked.Exchange(ref killed, 1) == 0)
                    {
                        // kill -9 with other creates still in flight on the other connections' streams.
                        server.Process.Kill();
                    }
                }
                catch (Exception e)
                {
                    if (Volatile.Read(ref killed) == 0)
                    {
                        failuresBeforeKill.Enqueue(e.ToString());
                    }
                }
                finally
                {
                    gate.Release();
                }
            }).ToList();
            await Task.WhenAll(writers);
            await server.Process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.Empty(failuresBeforeKill);
        Assert.Equal(1, killed);
        Assert.True(acknowledged.Count >= killAfter);
        Assert.Equal(acknowledged.Count, acknowledged.Values.Distinct().Count());
        var highest = acknowledged.Values.Max();

        await using (var restarted = await KubeNetProcess.StartAsync(_dataDirectory))
        {
            using var client = restarted.CreateClient();
            var list = await client.CoreV1.ListNamespacedConfigMapAsync(ns);
            var stored = list.Items.ToDictionary(c => c.Metadata.Name, c => long.Parse(c.Metadata.ResourceVersion));

            var lost = acknowledged.Keys.Where(k => !stored.ContainsKey(k)).Order().ToList();
            Assert.True(lost.Count == 0, $"{lost.Count} of {acknowledged.Count} acknowledged creates are gone after kill -9: {string.Join(", ", lost.Take(20))}");
            Assert.All(acknowledged, a => Assert.Equal(a.Value, stored[a.Key]));
            Assert.True(long.Parse(list.Metadata.ResourceVersion) >= highest);

            var after = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "after-restart" } }, ns);
            Assert.True(long.Parse(after.Metadata.ResourceVersion) > stored.Values.Max(), $"{after.Metadata.ResourceVersion} is not above {stored.Values.Max()}");

            var updated = await client.CoreV1.PatchNamespacedConfigMapAsync(
                new V1Patch("""{"data":{"i":"changed"}}""", V1Patch.PatchType.MergePatch), acknowledged.Keys.Order().First(), ns);
            Assert.True(long.Parse(updated.Metadata.ResourceVersion) > long.Parse(after.Metadata.ResourceVersion));
        }
    }

    [Fact]
    public async Task Server_process_exits_on_SIGTERM_and_keeps_its_objects()
    {
        await using (var server = await KubeNetProcess.StartAsync(_dataDirectory))
        {
            using var client = server.CreateClient();
            await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "kept" } }, "default");

            var kill = await ProcessRunner.RunAsync("/bin/kill", ["-TERM", server.Process.Id.ToString()]);
            Assert.Equal(0, kill.ExitCode);
            Assert.Equal(0, await server.Process.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        }

        await using var restarted = await KubeNetProcess.StartAsync(_dataDirectory);
        using var again = restarted.CreateClient();
        Assert.Equal("kept", (await again.CoreV1.ReadNamespacedConfigMapAsync("kept", "default")).Metadata.Name);
    }
}
