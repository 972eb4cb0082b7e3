using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Grpc.Core;
using k8s.Models;
using KubeNet.Kubelet.Cri;
using KubeNet.Kubelet.Cri.V1;
using KubeNet.Kubelet.Logs;
using KubeNet.Kubelet.Pods;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KubeNet.Kubelet.Server;

/// <summary>
/// The kubelet's HTTPS server (upstream port 10250): /healthz, /pods, /stats/summary, /containerLogs/NS/POD/CONTAINER and
/// /exec|/attach/NS/POD/CONTAINER (proxied to the runtime's streaming server). Clients authenticate with a certificate
/// issued by the cluster CA (the API server's kubelet client certificate); the serving certificate is self-signed, as a
/// kubelet without a bootstrap CSR has.
/// </summary>
internal sealed class KubeletServer(PodWorkers pods, CriClient cri, X509Certificate2Collection clientCas, string runtimeName, Stats.SummaryProvider? summary = null)
{
    private WebApplication? _app;

    public int Port { get; private set; }

    public async Task StartAsync(string address, int port, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(3));
        var serving = SelfSigned(address);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Parse(address), port, l =>
            {
                l.Protocols = HttpProtocols.Http1AndHttp2;
                l.UseHttps(h =>
                {
                    h.ServerCertificate = serving;
                    h.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                    h.ClientCertificateValidation = (cert, _, _) => Trusted(cert);
                });
            });
        });
        _app = builder.Build();
        _app.Run(HandleAsync);
        await _app.StartAsync(ct);
        Port = new Uri(_app.Urls.First().Replace("[::]", "localhost", StringComparison.Ordinal)).Port;
    }

    private bool Trusted(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(clientCas);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    private static X509Certificate2 SelfSigned(string address)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={address}@kubelet", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Parse(address));
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(1));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var parts = (context.Request.Path.Value ?? "/").Trim('/').Split('/');
        switch (parts[0])
        {
            case "healthz":
                await context.Response.WriteAsync("ok", context.RequestAborted);
                return;
            case "pods":
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(k8s.KubernetesJson.Serialize(new V1PodList { ApiVersion = "v1", Kind = "PodList", Metadata = new V1ListMeta(), Items = [.. pods.Pods] }), context.RequestAborted);
                return;
            case "stats" when parts.Length == 2 && parts[1] == "summary" && summary is not null:
                await SummaryAsync(context, summary);
                return;
            case "containerLogs" when parts.Length == 4:
                await LogsAsync(context, parts[1], parts[2], parts[3]);
                return;
            case "exec" or "attach" when parts.Length == 4:
                await StreamAsync(context, parts[0] == "attach", parts[1], parts[2], parts[3]);
                return;
            case "portForward" when parts.Length is 3 or 4:
                await PortForwardAsync(context, parts[1], parts[2]);
                return;
            default:
                context.Response.StatusCode = 404;
                await context.Response.WriteAsync("404 page not found", context.RequestAborted);
                return;
        }
    }

    private async Task<(V1Pod? Pod, RuntimeContainer? Container, string? Error, int Code)> FindAsync(string ns, string name, string container, bool previous, CancellationToken ct)
    {
        var pod = pods.Find(ns, name);
        if (pod is null)
        {
            return (null, null, $"pod {ns}/{name} not found on this node", 404);
        }

        if (!pod.Spec.Containers.Concat(pod.Spec.InitContainers ?? []).Concat((pod.Spec.EphemeralContainers ?? []).Select(e => new V1Container { Name = e.Name })).Any(c => c.Name == container))
        {
            return (pod, null, $"container {container} is not valid for pod {name}", 400);
        }

        var state = await RuntimePod.ReadAsync(cri, pod.Metadata.Uid, ct);
        var instances = state.Instances(container).ToList();
        var chosen = previous ? instances.Skip(1).FirstOrDefault() : instances.FirstOrDefault();
        if (chosen is null)
        {
            if (previous)
            {
                return (pod, null, $"previous terminated container \"{container}\" in pod \"{name}\" not found", 400);
            }

            var waiting = pod.Status?.ContainerStatuses?.Concat(pod.Status.InitContainerStatuses ?? []).FirstOrDefault(s => s.Name == container)?.State?.Waiting?.Reason ?? "ContainerCreating";
            return (pod, null, $"container \"{container}\" in pod \"{name}\" is waiting to start: {waiting}", 400);
        }

        return (pod, chosen, null, 200);
    }

    private async Task LogsAsync(HttpContext context, string ns, string name, string container)
    {
        var q = context.Request.Query;
        var ct = context.RequestAborted;
        var (_, found, error, code) = await FindAsync(ns, name, container, Bool(q["previous"]), ct);
        if (found is null)
        {
            await PlainErrorAsync(context, code, error!);
            return;
        }

        var options = new LogOptions(
            Bool(q["follow"]),
            Long(q["tailLines"]),
            Long(q["sinceSeconds"]),
            DateTime.TryParse(q["sinceTime"], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var since) ? since : null,
            Bool(q["timestamps"]),
            Long(q["limitBytes"]));
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain";
        await context.Response.StartAsync(ct);
        var id = found.Id;
        var running = found.Running;
        var lastCheck = DateTime.UtcNow;
        bool StillRunning()
        {
            if (DateTime.UtcNow - lastCheck > TimeSpan.FromSeconds(1))
            {
                lastCheck = DateTime.UtcNow;
                try
                {
                    running = cri.Runtime.ContainerStatus(new ContainerStatusRequest { ContainerId = id }, cancellationToken: ct).Status.State == Cri.V1.ContainerState.ContainerRunning;
                }
                catch (RpcException)
                {
                    running = false;
                }
            }

            return running;
        }

        try
        {
            await ContainerLogReader.CopyAsync(found.Status.LogPath, options, context.Response.Body, StillRunning, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task StreamAsync(HttpContext context, bool attach, string ns, string name, string container)
    {
        var q = context.Request.Query;
        var ct = context.RequestAborted;
        var (_, found, error, code) = await FindAsync(ns, name, container, false, ct);
        if (found is null)
        {
            await PlainErrorAsync(context, code, error!);
            return;
        }

        if (!found.Running)
        {
            await PlainErrorAsync(context, 400, $"container {container} is not running");
            return;
        }

        // Both forms reach here: the API server's (input/output/error) and the PodExecOptions names.
        var stdin = Bool(q["input"]) || Bool(q["stdin"]);
        var stdout = Bool(q["output"]) || Bool(q["stdout"]);
        var stderr = Bool(q["error"]) || Bool(q["stderr"]);
        var tty = Bool(q["tty"]);
        string url;
        try
        {
            url = attach
                ? (await cri.Runtime.AttachAsync(new AttachRequest { ContainerId = found.Id, Stdin = stdin, Stdout = stdout, Stderr = stderr && !tty, Tty = tty }, cancellationToken: ct)).Url
                : (await cri.Runtime.ExecAsync(new ExecRequest { ContainerId = found.Id, Cmd = { q["command"].Where(c => c is not null).Select(c => c!) }, Stdin = stdin, Stdout = stdout, Stderr = stderr && !tty, Tty = tty }, cancellationToken: ct)).Url;
        }
        catch (RpcException e)
        {
            await PlainErrorAsync(context, 500, e.Status.Detail);
            return;
        }

        await UpgradeProxy.ProxyAsync(context, new Uri(url));
    }

    private static async Task SummaryAsync(HttpContext context, Stats.SummaryProvider summary)
    {
        System.Text.Json.Nodes.JsonObject body;
        try
        {
            body = await summary.SummaryAsync(context.RequestAborted);
        }
        catch (RpcException e)
        {
            await PlainErrorAsync(context, 500, "failed to get node info: " + e.Status.Detail);
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    /// <summary>/portForward/NS/POD[/UID]: the pod's ready sandbox gets a CRI PortForward URL, and the upgrade goes there.</summary>
    private async Task PortForwardAsync(HttpContext context, string ns, string name)
    {
        var ct = context.RequestAborted;
        var pod = pods.Find(ns, name);
        if (pod is null)
        {
            await PlainErrorAsync(context, 404, $"pod {ns}/{name} not found on this node");
            return;
        }

        var sandbox = (await RuntimePod.ReadAsync(cri, pod.Metadata.Uid, ct)).ReadySandbox;
        if (sandbox is null)
        {
            await PlainErrorAsync(context, 400, $"pod {name} has no running sandbox");
            return;
        }

        var request = new PortForwardRequest { PodSandboxId = sandbox.Id };
        foreach (var value in context.Request.Query["ports"])
        {
            foreach (var part in (value ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
                {
                    await PlainErrorAsync(context, 400, $"unable to parse \"{value}\" as a port");
                    return;
                }

                request.Port.Add(port);
            }
        }

        string url;
        try
        {
            url = (await cri.Runtime.PortForwardAsync(request, cancellationToken: ct)).Url;
        }
        catch (RpcException e)
        {
            await PlainErrorAsync(context, 500, e.Status.Detail);
            return;
        }

        await UpgradeProxy.ProxyAsync(context, new Uri(url));
    }

    private static bool Bool(string? value) => value is not null && (value == "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase));

    private static long? Long(string? value) => long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static async Task PlainErrorAsync(HttpContext context, int code, string message)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(message, context.RequestAborted);
    }

    public async ValueTask StopAsync()
    {
        if (_app is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            await _app.StopAsync(timeout.Token);
            await _app.DisposeAsync();
        }
    }

    internal static string ToJson(object o) => JsonSerializer.Serialize(o);

    internal string RuntimeName => runtimeName;
}
