using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace KubeNet.SchedulerBench;

/// <summary>
/// One watch on every pod (raw HTTP/2, as a reflector's): records, per namespace/name, the moment the first event
/// carrying spec.nodeName arrived, that is when the pod's binding became visible to clients.
/// </summary>
internal sealed class PodWatcher : IAsyncDisposable
{
    private readonly HttpClient _client;
    private readonly ConcurrentDictionary<string, long> _bound = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _boundPerNamespace = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private string _resourceVersion = "";

    private PodWatcher(HttpClient client) => _client = client;

    public string? Failure { get; private set; }

    public static async Task<PodWatcher> StartAsync(HttpClient client)
    {
        var watcher = new PodWatcher(client);
        using (var list = await client.SendAsync(LoadGen.HttpClients.Get("/api/v1/pods?limit=1")))
        {
            using var doc = JsonDocument.Parse(await list.Content.ReadAsByteArrayAsync());
            watcher._resourceVersion = doc.RootElement.GetProperty("metadata").GetProperty("resourceVersion").GetString()!;
        }

        watcher._loop = Task.Run(watcher.LoopAsync);
        return watcher;
    }

    /// <summary>When the pod was first seen bound (Stopwatch timestamp), or null.</summary>
    public long? BoundAt(string ns, string name) => _bound.TryGetValue(ns + "/" + name, out var t) ? t : null;

    public int BoundIn(string ns) => _boundPerNamespace.GetValueOrDefault(ns);

    public async Task WaitForBoundAsync(string ns, int count, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var last = -1;
        var lastProgress = Stopwatch.StartNew();
        while (BoundIn(ns) < count)
        {
            if (Failure is not null)
            {
                throw new InvalidOperationException("the pod watch failed: " + Failure);
            }

            var now = BoundIn(ns);
            if (now != last)
            {
                last = now;
                lastProgress.Restart();
            }

            if (clock.Elapsed > timeout || lastProgress.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"{now:N0} of {count:N0} pods of {ns} bound after {clock.Elapsed.TotalSeconds:F0} s");
            }

            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var request = LoadGen.HttpClients.Get($"/api/v1/pods?watch=true&allowWatchBookmarks=true&timeoutSeconds=1800&resourceVersion={_resourceVersion}");
                using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, _stop.Token);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    Failure = $"watch answered {(int)response.StatusCode}";
                    return;
                }

                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(_stop.Token));
                while (await reader.ReadLineAsync(_stop.Token) is { } line)
                {
                    if (line.Length > 0)
                    {
                        Handle(line);
                    }
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or JsonException)
            {
                Failure = e.Message;
                return;
            }
        }
    }

    private void Handle(string line)
    {
        var now = Stopwatch.GetTimestamp();
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        var type = root.GetProperty("type").GetString();
        var obj = root.GetProperty("object");
        var metadata = obj.GetProperty("metadata");
        if (metadata.TryGetProperty("resourceVersion", out var rv) && rv.GetString() is { Length: > 0 } version)
        {
            _resourceVersion = version;
        }

        if (type is not ("ADDED" or "MODIFIED")
            || !obj.TryGetProperty("spec", out var spec)
            || !spec.TryGetProperty("nodeName", out var nodeName)
            || string.IsNullOrEmpty(nodeName.GetString()))
        {
            return;
        }

        var ns = metadata.GetProperty("namespace").GetString()!;
        if (_bound.TryAdd(ns + "/" + metadata.GetProperty("name").GetString(), now))
        {
            _boundPerNamespace.AddOrUpdate(ns, 1, (_, n) => n + 1);
        }
    }
}
