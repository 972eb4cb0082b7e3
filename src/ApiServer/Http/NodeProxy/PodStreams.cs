using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.ApiServer.Registry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace KubeNet.ApiServer.Http.NodeProxy;

/// <summary>
/// pods/log, pods/exec and pods/attach: the API server finds the pod's node, resolves the container, and proxies to
/// the kubelet at the node's InternalIP and daemon endpoint port over HTTPS with its kubelet client certificate, as
/// kube-apiserver does. Logs stream through; exec, attach and portforward upgrades (WebSocket channel protocols, SPDY/3.1
/// and SPDY tunnelled in WebSocket) are passed through byte for byte and spoken end to end by the runtime's streaming
/// server.
/// </summary>
internal sealed class PodStreams(GenericStore store, X509Certificate2 clientCertificate) : IDisposable
{
    private static readonly ResourceInfo Pods = KindCatalog.Find("", "v1", "pods")!;
    private static readonly ResourceInfo Nodes = KindCatalog.Find("", "v1", "nodes")!;
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            ClientCertificates = [clientCertificate],
            // Kubelet serving certificates are self-signed; kube-apiserver does not verify them by default either.
#pragma warning disable CA5359
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
#pragma warning restore CA5359
        },
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
    })
    { Timeout = Timeout.InfiniteTimeSpan };

    public void Dispose() => _http.Dispose();

    public static bool Handles(RequestInfo request) =>
        request.Group.Length == 0 && request.Resource == "pods" && request.Name is not null && request.Rest is null
        && request.Subresource is "log" or "exec" or "attach" or "portforward";

    public async Task HandleAsync(HttpContext context, RequestInfo request)
    {
        var sub = request.Subresource!;
        var method = context.Request.Method;
        if ((sub == "log" && method != "GET") || (sub != "log" && method is not ("GET" or "POST")))
        {
            await Wire.WriteStatusAsync(context, ApiError.MethodNotSupported("", "pods/" + sub, method.ToLowerInvariant()));
            return;
        }

        var ns = request.Namespace ?? string.Empty;
        var found = await store.GetAsync(Pods, ns, request.Name!, null, context.RequestAborted);
        if (!found.IsOk)
        {
            await Wire.WriteStatusAsync(context, found.Error!);
            return;
        }

        var pod = (V1Pod)found.Value!.Object;
        // Port-forward addresses the pod (its network namespace), not a container.
        var (container, error) = sub == "portforward" ? (string.Empty, null) : ResolveContainer(pod, context.Request.Query["container"].ToString());
        if (error is not null)
        {
            await Wire.WriteStatusAsync(context, error);
            return;
        }

        if (string.IsNullOrEmpty(pod.Spec.NodeName))
        {
            await Wire.WriteStatusAsync(context, ApiError.BadRequest($"pod {pod.Metadata.Name} does not have a host assigned"));
            return;
        }

        var nodeFound = await store.GetAsync(Nodes, null, pod.Spec.NodeName, null, context.RequestAborted);
        var node = nodeFound.IsOk ? (V1Node)nodeFound.Value!.Object : null;
        var address = node?.Status?.Addresses?.FirstOrDefault(a => a.Type == "InternalIP")?.Address
            ?? node?.Status?.Addresses?.FirstOrDefault()?.Address;
        var port = node?.Status?.DaemonEndpoints?.KubeletEndpoint?.Port ?? 0;
        if (address is null || port <= 0)
        {
            await Wire.WriteStatusAsync(context, ApiError.BadRequest($"node {pod.Spec.NodeName} has no kubelet endpoint"));
            return;
        }

        var host = address.Contains(':', StringComparison.Ordinal) ? $"[{address}]" : address;
        var path = sub == "portforward"
            ? $"/portForward/{Uri.EscapeDataString(ns)}/{Uri.EscapeDataString(pod.Metadata.Name)}"
            : $"/{(sub == "log" ? "containerLogs" : sub)}/{Uri.EscapeDataString(ns)}/{Uri.EscapeDataString(pod.Metadata.Name)}/{Uri.EscapeDataString(container!)}";
        var query = new StringBuilder();
        foreach (var (key, values) in context.Request.Query)
        {
            if (key == "container")
            {
                continue;
            }

            var name = sub == "log" ? key : key switch { "stdin" => "input", "stdout" => "output", "stderr" => "error", _ => key };
            foreach (var v in values)
            {
                var value = sub != "log" && key is "stdin" or "stdout" or "stderr" or "tty" ? (IsTrue(v) ? "1" : "0") : v;
                query.Append(query.Length == 0 ? '?' : '&').Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value ?? string.Empty));
            }
        }

        var target = new Uri($"https://{host}:{port}{path}{query}");
        if (sub == "log")
        {
            await LogsAsync(context, target);
        }
        else
        {
            await UpgradeAsync(context, target, address, port);
        }
    }

    private static bool IsTrue(string? v) => v is not null && (v == "1" || v.Equals("true", StringComparison.OrdinalIgnoreCase));

    /// <summary>The container a request means: the named one, the default-container annotation, or the only one.</summary>
    private static (string? Name, ApiError? Error) ResolveContainer(V1Pod pod, string requested)
    {
        var all = pod.Spec.Containers.Select(c => c.Name)
            .Concat((pod.Spec.InitContainers ?? []).Select(c => c.Name))
            .Concat((pod.Spec.EphemeralContainers ?? []).Select(c => c.Name)).ToList();
        if (requested.Length > 0)
        {
            return all.Contains(requested)
                ? (requested, null)
                : (null, ApiError.BadRequest($"container {requested} is not valid for pod {pod.Metadata.Name}"));
        }

        if (pod.Metadata.Annotations?.TryGetValue("kubectl.kubernetes.io/default-container", out var annotated) == true && all.Contains(annotated))
        {
            return (annotated, null);
        }

        if (pod.Spec.Containers.Count == 1)
        {
            return (pod.Spec.Containers[0].Name, null);
        }

        var message = $"a container name must be specified for pod {pod.Metadata.Name}, choose one of: [{string.Join(' ', pod.Spec.Containers.Select(c => c.Name))}]";
        if (pod.Spec.InitContainers is { Count: > 0 } init)
        {
            message += $" or one of the init containers: [{string.Join(' ', init.Select(c => c.Name))}]";
        }

        return (null, ApiError.BadRequest(message));
    }

    private async Task LogsAsync(HttpContext context, Uri target)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.GetAsync(target, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        }
        catch (HttpRequestException e)
        {
            await Wire.WriteStatusAsync(context, ApiError.ServiceUnavailable($"the kubelet at {target.Authority} does not answer: {e.Message}"));
            return;
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var text = await response.Content.ReadAsStringAsync(context.RequestAborted);
                await Wire.WriteStatusAsync(context, (int)response.StatusCode == 404 ? ApiError.NotFoundPlain(text) : ApiError.BadRequest(text));
                return;
            }

            context.Response.StatusCode = 200;
            context.Response.ContentType = "text/plain";
            await context.Response.StartAsync(context.RequestAborted);
            await using var body = await response.Content.ReadAsStreamAsync(context.RequestAborted);
            var buffer = new byte[16 * 1024];
            try
            {
                int n;
                while ((n = await body.ReadAsync(buffer, context.RequestAborted)) > 0)
                {
                    await context.Response.Body.WriteAsync(buffer.AsMemory(0, n), context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
            }
        }
    }

    private static readonly string[] Forwarded = ["Upgrade", "Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions", "X-Stream-Protocol-Version"];

    private async Task UpgradeAsync(HttpContext context, Uri target, string address, int port)
    {
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        var upgradeTo = context.Request.Headers.Upgrade.ToString();
        var spdy = upgradeTo.Contains("SPDY/3.1", StringComparison.OrdinalIgnoreCase);
        if (upgrade is null || !upgrade.IsUpgradableRequest || !(spdy || upgradeTo.Contains("websocket", StringComparison.OrdinalIgnoreCase)))
        {
            await Wire.WriteStatusAsync(context, ApiError.BadRequest("Upgrade request required"));
            return;
        }

        using var tcp = new TcpClient();
        SslStream tls;
        try
        {
            await tcp.ConnectAsync(address, port, context.RequestAborted);
            tls = new SslStream(tcp.GetStream(), false);
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = address,
                ClientCertificates = [clientCertificate],
                ApplicationProtocols = [SslApplicationProtocol.Http11],
#pragma warning disable CA5359
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
#pragma warning restore CA5359
            }, context.RequestAborted);
        }
        catch (Exception e) when (e is SocketException or IOException or System.Security.Authentication.AuthenticationException)
        {
            await Wire.WriteStatusAsync(context, ApiError.ServiceUnavailable($"the kubelet at {address}:{port} does not answer: {e.Message}"));
            return;
        }

        await using (tls)
        {
            var head = new StringBuilder();
            head.Append("GET ").Append(target.PathAndQuery).Append(" HTTP/1.1\r\nHost: ").Append(target.Authority).Append("\r\nConnection: Upgrade\r\n");
            foreach (var name in Forwarded)
            {
                foreach (var value in context.Request.Headers[name])
                {
                    head.Append(name).Append(": ").Append(value).Append("\r\n");
                }
            }

            head.Append("\r\n");
            await tls.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), context.RequestAborted);
            var (code, headers, body) = await ReadHeadAsync(tls, context.RequestAborted);
            if (code != 101)
            {
                await Wire.WriteStatusAsync(context, code == 404 ? ApiError.NotFoundPlain(body) : ApiError.BadRequest(body.Length > 0 ? body : $"the kubelet answered {code}"));
                return;
            }

            foreach (var (name, value) in headers)
            {
                if (!name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
                {
                    context.Response.Headers.Append(name, value);
                }
            }

            await using var client = await upgrade.UpgradeAsync();
            await PumpAsync(client, tls);
        }
    }

    private static async Task<(int Code, List<(string Name, string Value)> Headers, string Body)> ReadHeadAsync(Stream stream, CancellationToken ct)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 16384 && await stream.ReadAsync(one, ct) == 1)
        {
            head.Add(one[0]);
            if (head.Count >= 4 && head[^1] == '\n' && head[^2] == '\r' && head[^3] == '\n' && head[^4] == '\r')
            {
                break;
            }
        }

        var lines = Encoding.ASCII.GetString([.. head]).Split("\r\n");
        var parts = lines[0].Split(' ', 3);
        var code = parts.Length > 1 && int.TryParse(parts[1], out var c) ? c : 502;
        var headers = lines.Skip(1).Where(l => l.Contains(':', StringComparison.Ordinal))
            .Select(l => (l[..l.IndexOf(':', StringComparison.Ordinal)].Trim(), l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim())).ToList();
        var body = string.Empty;
        var length = headers.FirstOrDefault(h => h.Item1.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)).Item2;
        if (code != 101 && int.TryParse(length, out var n) && n > 0 && n < 65536)
        {
            var buffer = new byte[n];
            await stream.ReadExactlyAsync(buffer, ct);
            body = Encoding.UTF8.GetString(buffer);
        }

        return (code, headers, body);
    }

    private static async Task PumpAsync(Stream a, Stream b)
    {
        using var stop = new CancellationTokenSource();
        var ab = CopyAsync(a, b, stop.Token);
        var ba = CopyAsync(b, a, stop.Token);
        await Task.WhenAny(ab, ba);
        stop.CancelAfter(TimeSpan.FromSeconds(1));
        await Task.WhenAll(ab, ba);
    }

    private static async Task CopyAsync(Stream from, Stream to, CancellationToken ct)
    {
        var buffer = new byte[32 * 1024];
        try
        {
            int n;
            while ((n = await from.ReadAsync(buffer, ct)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, n), ct);
                await to.FlushAsync(ct);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or SocketException)
        {
        }
    }
}
