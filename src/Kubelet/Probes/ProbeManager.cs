using System.Collections.Concurrent;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using k8s.Models;
using KubeNet.Client;
using KubeNet.Kubelet.Cri;
using KubeNet.Kubelet.Cri.V1;
using KubeNet.Kubelet.Pods;

namespace KubeNet.Kubelet.Probes;

/// <summary>
/// Liveness, readiness and startup probes (exec, httpGet, tcpSocket, grpc), one loop per running container and probe
/// kind, with upstream's timing: initialDelaySeconds, periodSeconds, timeoutSeconds, success and failure thresholds.
/// Liveness and readiness wait for startup to succeed. A result change wakes the pod's worker.
/// </summary>
internal sealed class ProbeManager(CriClient cri, EventRecorder events, Action<string> wake) : IDisposable
{
    // HTTPS probes do not verify the pod's certificate, as upstream's prober does not.
#pragma warning disable CA5359
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = true, UseProxy = false, SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } });
#pragma warning restore CA5359
    private readonly ConcurrentDictionary<(string Id, string Kind), Worker> _workers = new();

    public bool LivenessFailed(string containerId) => _workers.TryGetValue((containerId, "liveness"), out var w) && w.Result == false;

    public bool StartupFailed(string containerId) => _workers.TryGetValue((containerId, "startup"), out var w) && w.Result == false;

    /// <summary>Started: no startup probe, or it succeeded.</summary>
    public bool Started(string containerId) => !_workers.TryGetValue((containerId, "startup"), out var w) || w.Result == true;

    /// <summary>Ready: started and (no readiness probe, or it succeeded).</summary>
    public bool Ready(string containerId) => Started(containerId) && (!_workers.TryGetValue((containerId, "readiness"), out var w) || w.Result == true);

    public void Ensure(V1Pod pod, RuntimePod state, string? podIp)
    {
        foreach (var container in pod.Spec.Containers)
        {
            var current = state.Newest(container.Name);
            if (current is null || !current.Running)
            {
                continue;
            }

            Start(pod, container, current.Id, "startup", container.StartupProbe, podIp);
            Start(pod, container, current.Id, "liveness", container.LivenessProbe, podIp);
            Start(pod, container, current.Id, "readiness", container.ReadinessProbe, podIp);
        }

        var live = state.Containers.Where(c => c.Running).Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var key in _workers.Keys.Where(k => !live.Contains(k.Id) && _workers[k].PodUid == pod.Metadata.Uid))
        {
            Forget(key.Id);
        }
    }

    public void Forget(string containerId)
    {
        foreach (var kind in new[] { "startup", "liveness", "readiness" })
        {
            if (_workers.TryRemove((containerId, kind), out var w))
            {
                w.Stop.Cancel();
                w.Stop.Dispose();
            }
        }
    }

    private void Start(V1Pod pod, V1Container container, string containerId, string kind, V1Probe? probe, string? podIp)
    {
        if (probe is null || _workers.ContainsKey((containerId, kind)))
        {
            return;
        }

        var worker = new Worker(pod.Metadata.Uid, new CancellationTokenSource());
        if (_workers.TryAdd((containerId, kind), worker))
        {
            _ = Task.Run(() => RunAsync(pod, container, containerId, kind, probe, podIp, worker));
        }
    }

    private async Task RunAsync(V1Pod pod, V1Container container, string containerId, string kind, V1Probe probe, string? podIp, Worker worker)
    {
        var ct = worker.Stop.Token;
        var period = TimeSpan.FromSeconds(Math.Max(1, probe.PeriodSeconds ?? 10));
        var successThreshold = Math.Max(1, probe.SuccessThreshold ?? 1);
        var failureThreshold = Math.Max(1, probe.FailureThreshold ?? 3);
        int successes = 0, failures = 0;
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(probe.InitialDelaySeconds ?? 0), ct);
            while (!ct.IsCancellationRequested)
            {
                if (kind != "startup" && !Started(containerId))
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
                    continue;
                }

                var (ok, output) = await ProbeOnceAsync(probe, containerId, podIp, ct);
                if (ok)
                {
                    successes++;
                    failures = 0;
                }
                else
                {
                    failures++;
                    successes = 0;
                    events.Event(pod, EventTypes.Warning, "Unhealthy", $"{char.ToUpperInvariant(kind[0])}{kind[1..]} probe failed: {output}".TrimEnd());
                }

                bool? result = worker.Result;
                if (successes >= successThreshold)
                {
                    result = true;
                }
                else if (failures >= failureThreshold)
                {
                    result = false;
                }

                if (result != worker.Result)
                {
                    worker.Result = result;
                    wake(worker.PodUid);
                }

                if ((kind == "startup" && result == true) || (kind is "liveness" or "startup" && result == false))
                {
                    return;
                }

                await Task.Delay(period, ct);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<(bool Ok, string Output)> ProbeOnceAsync(V1Probe probe, string containerId, string? podIp, CancellationToken ct)
    {
        var timeout = TimeSpan.FromSeconds(Math.Max(1, probe.TimeoutSeconds ?? 1));
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        var host = podIp ?? "127.0.0.1";
        try
        {
            if (probe.Exec is { } exec)
            {
                var result = await cri.Runtime.ExecSyncAsync(new ExecSyncRequest { ContainerId = containerId, Cmd = { exec.Command }, Timeout = (long)timeout.TotalSeconds }, cancellationToken: ct);
                return (result.ExitCode == 0, (result.Stdout.ToStringUtf8() + result.Stderr.ToStringUtf8()).Trim());
            }

            if (probe.HttpGet is { } http)
            {
                var port = http.Port.Value;
                var url = $"{(http.Scheme ?? "HTTP").ToLowerInvariant()}://{(string.IsNullOrEmpty(http.Host) ? host : http.Host)}:{port}{(string.IsNullOrEmpty(http.Path) ? "/" : http.Path)}";
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                request.Headers.UserAgent.ParseAdd("kube-probe/1.32");
                foreach (var h in http.HttpHeaders ?? [])
                {
                    request.Headers.TryAddWithoutValidation(h.Name, h.Value);
                }

                using var response = await Http.SendAsync(request, limit.Token);
                var code = (int)response.StatusCode;
                return (code is >= 200 and < 400, $"HTTP probe failed with statuscode: {code}");
            }

            if (probe.TcpSocket is { } tcp)
            {
                using var socket = new TcpClient();
                await socket.ConnectAsync(string.IsNullOrEmpty(tcp.Host) ? host : tcp.Host, int.Parse(tcp.Port.Value, System.Globalization.CultureInfo.InvariantCulture), limit.Token);
                return (true, string.Empty);
            }

            if (probe.Grpc is { } grpc)
            {
                return await GrpcHealthAsync(host, grpc.Port, grpc.Service ?? string.Empty, timeout, limit.Token);
            }

            return (false, "probe has no handler");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (false, $"timeout: probe did not answer within {timeout.TotalSeconds}s");
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or RpcException or IOException or FormatException)
        {
            return (false, e.Message);
        }
    }

    // grpc.health.v1.Health/Check: a request with field 1 (service) and a response whose field 1 is SERVING (1).
    private static readonly Method<byte[], byte[]> HealthCheck = new(
        MethodType.Unary, "grpc.health.v1.Health", "Check",
        Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b));

    // The outputs are upstream's (pkg/probe/grpc): its dial blocks until connected, so a refused or unreachable
    // address reads as a connect timeout there and here alike.
    private static async Task<(bool, string)> GrpcHealthAsync(string host, int port, string service, TimeSpan timeout, CancellationToken ct)
    {
        var address = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{port}" : $"{host}:{port}";
        var within = $"{timeout.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}s";
        using var channel = GrpcChannel.ForAddress($"http://{address}", new GrpcChannelOptions
        {
            HttpHandler = new ProbeUserAgent(new SocketsHttpHandler()),
            DisposeHttpClient = true,
        });
        var invoker = channel.CreateCallInvoker();
        var request = new byte[service.Length == 0 ? 0 : 2 + System.Text.Encoding.UTF8.GetByteCount(service)];
        if (service.Length > 0)
        {
            request[0] = 0x0a;
            request[1] = (byte)(request.Length - 2);
            System.Text.Encoding.UTF8.GetBytes(service, 0, service.Length, request, 2);
        }

        byte[] response;
        try
        {
            response = await invoker.AsyncUnaryCall(HealthCheck, null, new CallOptions(cancellationToken: ct), request);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && e.Status.DebugException is HttpRequestException or SocketException)
        {
            return (false, $"timeout: failed to connect service \"{address}\" within {within}: context deadline exceeded");
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
        {
            return (false, $"error: this server does not implement the grpc health protocol (grpc.health.v1.Health): {e.Status.Detail}");
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.DeadlineExceeded or StatusCode.Cancelled)
        {
            return (false, $"timeout: health rpc did not complete within {within}");
        }
        catch (RpcException e)
        {
            return (false, $"error: health rpc probe failed: rpc error: code = {e.StatusCode} desc = {e.Status.Detail}");
        }

        var status = response.Length >= 2 && response[0] == 0x08 ? response[1] : 0;
        return status == 1
            ? (true, "service healthy")
            : (false, $"service unhealthy (responded with \"{status switch { 0 => "UNKNOWN", 2 => "NOT_SERVING", 3 => "SERVICE_UNKNOWN", _ => status.ToString(System.Globalization.CultureInfo.InvariantCulture) }}\")");
    }

    /// <summary>Probes name themselves as upstream's do; grpc-dotnet sets its own user agent, so it is replaced on the way out.</summary>
    private sealed class ProbeUserAgent(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.UserAgent.Clear();
            request.Headers.UserAgent.ParseAdd("kube-probe/1.32");
            return base.SendAsync(request, cancellationToken);
        }
    }

    public void Dispose()
    {
        foreach (var key in _workers.Keys)
        {
            Forget(key.Id);
        }
    }

    private sealed class Worker(string podUid, CancellationTokenSource stop)
    {
        public string PodUid { get; } = podUid;

        public CancellationTokenSource Stop { get; } = stop;

        public volatile object? Boxed;

        public bool? Result
        {
            get => (bool?)Boxed;
            set => Boxed = value;
        }
    }
}
