using System.Diagnostics;
using System.Net;
using k8s;
using KubeNet.Testing;

namespace KubeNet.ApiServer.Tests.Etcd;

/// <summary>
/// /readyz, /livez and /healthz on etcd name the etcd checks as kube-apiserver does (/readyz?verbose lists
/// [+]etcd ok and [+]etcd-readiness ok) and fail with 500 while etcd is down, then pass again once it is back.
/// </summary>
public sealed class EtcdHealthCheckTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "kubenet-health-" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async Task Readyz_and_livez_report_etcd_ok_while_it_answers_and_fail_while_it_is_stopped()
    {
        await using var etcd = await LocalEtcdCluster.StartAsync(members: 1, parentDirectory: _directory);
        var options = new ApiServerOptions { DataDirectory = Path.Combine(_directory, "server"), BindAddress = "127.0.0.1", SecurePort = 0, Storage = "etcd" };
        options.EtcdServers.Add(etcd.Endpoints[0]);
        await using var server = await KubeApiServer.StartAsync(options);
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(server.KubeconfigPath));

        var verbose = await GetAsync(client, server, "/readyz?verbose");
        Assert.Equal(HttpStatusCode.OK, verbose.Code);
        Assert.Equal(
            "[+]ping ok\n[+]log ok\n[+]etcd ok\n[+]etcd-readiness ok\n[+]informer-sync ok\n[+]shutdown ok\nreadyz check passed\n",
            verbose.Body);
        Assert.Equal((HttpStatusCode.OK, "ok"), await GetAsync(client, server, "/readyz"));
        Assert.Equal((HttpStatusCode.OK, "ok"), await GetAsync(client, server, "/readyz/etcd"));
        Assert.Equal((HttpStatusCode.OK, "ok"), await GetAsync(client, server, "/livez/etcd"));
        Assert.Equal((HttpStatusCode.OK, "ok"), await GetAsync(client, server, "/healthz/etcd"));
        Assert.Equal((HttpStatusCode.OK, "[+]ping ok\n[+]log ok\n[+]etcd ok\nlivez check passed\n"), await GetAsync(client, server, "/livez?verbose"));
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(client, server, "/readyz/no-such-check")).Code);

        etcd.Kill(0);
        var failing = await WaitAsync(client, server, "/readyz?verbose", HttpStatusCode.InternalServerError);
        Assert.Contains("[-]etcd failed: reason withheld\n", failing, StringComparison.Ordinal);
        Assert.Contains("[-]etcd-readiness failed: reason withheld\n", failing, StringComparison.Ordinal);
        Assert.Contains("[+]ping ok\n", failing, StringComparison.Ordinal);
        Assert.EndsWith("readyz check failed\n", failing, StringComparison.Ordinal);

        var single = await GetAsync(client, server, "/readyz/etcd");
        Assert.Equal(HttpStatusCode.InternalServerError, single.Code);
        Assert.StartsWith("internal server error: ", single.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.InternalServerError, (await GetAsync(client, server, "/livez/etcd")).Code);
        Assert.Equal(HttpStatusCode.InternalServerError, (await GetAsync(client, server, "/livez")).Code);

        // Excluding the etcd checks leaves a passing endpoint, as upstream's ?exclude= does.
        Assert.Equal((HttpStatusCode.OK, "ok"), await GetAsync(client, server, "/readyz?exclude=etcd&exclude=etcd-readiness"));

        etcd.Restart(0);
        await WaitAsync(client, server, "/readyz", HttpStatusCode.OK);
        Assert.Equal((HttpStatusCode.OK, "ok"), await GetAsync(client, server, "/livez/etcd"));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task<(HttpStatusCode Code, string Body)> GetAsync(Kubernetes client, KubeApiServer server, string path)
    {
        using var response = await client.HttpClient.GetAsync(new Uri(server.Url + path));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<string> WaitAsync(Kubernetes client, KubeApiServer server, string path, HttpStatusCode wanted)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var (code, body) = await GetAsync(client, server, path);
            if (code == wanted)
            {
                return body;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"{path} did not answer {(int)wanted} within 30 s; last {(int)code}: {body}");
            await Task.Delay(200);
        }
    }
}
