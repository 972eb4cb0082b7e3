using System.Text;
using KubeNet.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace KubeNet.ApiServer.Http;

/// <summary>
/// /healthz, /livez and /readyz as kube-apiserver serves them: a list of named checks, each also at /readyz/NAME;
/// `?verbose` lists them, `?exclude=NAME` skips one, and a failing check fails the whole endpoint with 500 and the
/// list (the reason is withheld there, as upstream does for the public endpoint, and logged instead). On etcd the
/// `etcd` check (and `etcd-readiness` on /readyz) reads from etcd with a short deadline, so an unreachable etcd
/// cluster takes the server out of load balancers.
/// </summary>
internal sealed partial class HealthChecks
{
    // kube-apiserver's --etcd-healthcheck-timeout and --etcd-readycheck-timeout.
    private static readonly TimeSpan EtcdTimeout = TimeSpan.FromSeconds(2);

    private readonly Dictionary<string, Check[]> _endpoints;
    private readonly ILogger _logger;
    private volatile bool _shuttingDown;

    public HealthChecks(IStorageHealth? storage, ILogger logger)
    {
        _logger = logger;
        var ping = new Check("ping", _ => Task.FromResult<string?>(null));
        var log = new Check("log", _ => Task.FromResult<string?>(null));
        var shutdown = new Check("shutdown", _ => Task.FromResult(_shuttingDown ? "process is shutting down" : null));
        Check[] storageChecks = [];
        Check[] readiness = [];
        if (storage is not null)
        {
            var shared = new SharedCheck(ct => storage.CheckHealthAsync(EtcdTimeout, ct));
            storageChecks = [new Check(storage.HealthCheckName, shared.RunAsync)];
            readiness = [new Check(storage.HealthCheckName + "-readiness", shared.RunAsync)];
        }

        // The watch cache lists every resource before the server starts listening: it is synced once it answers.
        var informerSync = new Check("informer-sync", _ => Task.FromResult<string?>(null));
        _endpoints = new Dictionary<string, Check[]>(StringComparer.Ordinal)
        {
            ["/healthz"] = [ping, log, .. storageChecks],
            ["/livez"] = [ping, log, .. storageChecks],
            ["/readyz"] = [ping, log, .. storageChecks, .. readiness, informerSync, shutdown],
        };
    }

    /// <summary>From the moment the server begins to stop, /readyz fails (upstream's shutdown check).</summary>
    public void MarkShuttingDown() => _shuttingDown = true;

    public static bool Handles(string path) =>
        path.StartsWith("/healthz", StringComparison.Ordinal) || path.StartsWith("/livez", StringComparison.Ordinal) || path.StartsWith("/readyz", StringComparison.Ordinal);

    public async Task HandleAsync(HttpContext context, string path)
    {
        path = path.TrimEnd('/');
        var slash = path.IndexOf('/', 1);
        var endpoint = slash < 0 ? path : path[..slash];
        if (!_endpoints.TryGetValue(endpoint, out var checks))
        {
            await PlainAsync(context, 404, "404 page not found\n");
            return;
        }

        if (slash >= 0)
        {
            var name = path[(slash + 1)..];
            var check = checks.FirstOrDefault(c => c.Name == name);
            if (check is null)
            {
                await PlainAsync(context, 404, "404 page not found\n");
                return;
            }

            var error = await check.Run(context.RequestAborted);
            await (error is null ? PlainAsync(context, 200, "ok") : PlainAsync(context, 500, $"internal server error: {error}\n"));
            return;
        }

        var excluded = new HashSet<string>(
            context.Request.Query["exclude"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)),
            StringComparer.Ordinal);
        var results = await Task.WhenAll(checks.Select(c => excluded.Contains(c.Name) ? Task.FromResult<string?>(null) : c.Run(context.RequestAborted)));
        var output = new StringBuilder();
        var failed = new List<string>();
        for (var i = 0; i < checks.Length; i++)
        {
            var name = checks[i].Name;
            if (excluded.Remove(name))
            {
                output.Append("[+]").Append(name).Append(" excluded: ok\n");
            }
            else if (results[i] is { } error)
            {
                output.Append("[-]").Append(name).Append(" failed: reason withheld\n");
                failed.Add(name);
                LogCheckFailed(_logger, endpoint[1..], name, error);
            }
            else
            {
                output.Append("[+]").Append(name).Append(" ok\n");
            }
        }

        if (excluded.Count > 0)
        {
            output.Append("warn: some health checks cannot be excluded: no matches for ")
                .Append(string.Join(",", excluded.Order(StringComparer.Ordinal).Select(e => $"\"{e}\""))).Append('\n');
        }

        var what = endpoint[1..];
        if (failed.Count > 0)
        {
            // Upstream is always verbose on failure.
            await PlainAsync(context, 500, $"{output}{what} check failed\n");
        }
        else if (!context.Request.Query.ContainsKey("verbose"))
        {
            await PlainAsync(context, 200, "ok");
        }
        else
        {
            await PlainAsync(context, 200, $"{output}{what} check passed\n");
        }
    }

    private static async Task PlainAsync(HttpContext context, int code, string text)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers["X-Content-Type-Options"] = "nosniff";
        await context.Response.WriteAsync(text, context.RequestAborted);
    }

    [LoggerMessage(EventId = 9500, Level = LogLevel.Warning, Message = "{Endpoint} check {Check} failed: {Error}")]
    private static partial void LogCheckFailed(ILogger logger, string endpoint, string check, string error);

    private sealed record Check(string Name, Func<CancellationToken, Task<string?>> Run);

    /// <summary>Concurrent probes share one request to the backend, so a burst of probes is one read, not many.</summary>
    private sealed class SharedCheck(Func<CancellationToken, Task<string?>> run)
    {
        private readonly Lock _lock = new();
        private Task<string?>? _running;

        public Task<string?> RunAsync(CancellationToken cancellationToken)
        {
            lock (_lock)
            {
                if (_running is null || _running.IsCompleted)
                {
                    // Not tied to one caller's request: another caller may be waiting for the same answer.
                    _running = run(CancellationToken.None);
                }

                return _running.WaitAsync(cancellationToken);
            }
        }
    }
}
