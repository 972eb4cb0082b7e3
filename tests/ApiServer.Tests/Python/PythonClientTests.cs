using System.Text.Json;
using KubeNet.ApiServer.Tests.Infrastructure;

namespace KubeNet.ApiServer.Tests.Python;

/// <summary>The official Python client (Debian python3-kubernetes) run as a process with the cluster's kubeconfig.</summary>
[Collection(ClusterCollection.Name)]
public sealed class PythonClientTests(ClusterFixture cluster)
{
    private static List<JsonElement> JsonLines(ProcessResult result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }

    private static string[] Names(JsonElement e) => e.GetProperty("names").EnumerateArray().Select(n => n.GetString()!).ToArray();

    [Fact]
    public async Task Python_creates_lists_by_label_selector_reads_and_deletes_configmaps()
    {
        var ns = await cluster.CreateNamespaceAsync("py-crud");
        var steps = JsonLines(await cluster.PythonAsync("crud.py", ns));

        var created = steps.Where(s => s.GetProperty("step").GetString() == "created").ToList();
        Assert.Equal(3, created.Count);
        Assert.All(created, c => Assert.False(string.IsNullOrEmpty(c.GetProperty("uid").GetString())));

        var lists = steps.Where(s => s.GetProperty("step").GetString() == "list").ToDictionary(s => s.GetProperty("selector").GetString()!);
        Assert.Equal(["py-a", "py-b"], Names(lists["tier=web"]));
        Assert.Equal(["py-c"], Names(lists["tier!=web"]));
        Assert.Equal(["py-c"], Names(lists["tier in (db,cache)"]));
        Assert.Equal(["py-b", "py-c"], Names(lists[""]));

        var read = steps.Single(s => s.GetProperty("step").GetString() == "read");
        Assert.Equal("py-a", read.GetProperty("data").GetProperty("name").GetString());

        var readAfterDelete = steps.Single(s => s.GetProperty("step").GetString() == "read-after-delete");
        Assert.Equal(404, readAfterDelete.GetProperty("status").GetInt32());
        Assert.Equal("NotFound", readAfterDelete.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Python_watch_stream_with_timeout_seconds_sees_added_modified_and_deleted_in_order()
    {
        var ns = await cluster.CreateNamespaceAsync("py-watch");
        var lines = JsonLines(await cluster.PythonAsync("watch.py", ns));

        var summary = lines.Single(l => l.TryGetProperty("summary", out _));
        Assert.Empty(summary.GetProperty("writer_errors").EnumerateArray());
        var events = lines.Where(l => l.TryGetProperty("type", out _)).ToList();
        Assert.Equal(["ADDED", "MODIFIED", "DELETED"], events.Select(e => e.GetProperty("type").GetString()));
        Assert.All(events, e => Assert.Equal("watched", e.GetProperty("name").GetString()));
        Assert.Equal("1", events[0].GetProperty("data").GetProperty("n").GetString());
        Assert.Equal("2", events[1].GetProperty("data").GetProperty("n").GetString());
        var versions = events.Select(e => long.Parse(e.GetProperty("rv").GetString()!)).ToList();
        Assert.Equal(versions.Order(), versions);
    }

    [Fact]
    public async Task Python_watch_without_changes_ends_after_timeout_seconds()
    {
        var ns = await cluster.CreateNamespaceAsync("py-watch-idle");
        var result = await ProcessRunnerFor(ns);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("events 0\n", result.StdOut);
    }

    private Task<ProcessResult> ProcessRunnerFor(string ns)
    {
        ClientPrograms.RequirePython();
        const string script = """
            import sys
            from kubernetes import client, config, watch
            config.load_kube_config()
            core = client.CoreV1Api()
            n = sum(1 for _ in watch.Watch().stream(core.list_namespaced_config_map, sys.argv[1], timeout_seconds=1))
            print("events", n)
            """;
        return ProcessRunner.RunAsync(ClientPrograms.Python, ["-c", script, ns], cluster.ClientEnvironment, timeout: TimeSpan.FromSeconds(30));
    }
}
