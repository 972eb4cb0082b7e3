using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace KubeNet.Kubelet.Tests.Docker;

/// <summary>
/// grpc.health.v1.Health/Check on 127.0.0.1 (HTTP/2 without TLS), written by hand: the request's field 1 is the
/// service, the answer's field 1 the status, SERVING (1) or NOT_SERVING (2) as <see cref="Serving"/> says.
/// </summary>
internal sealed class GrpcHealthServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GrpcHealthServer(WebApplication app) => _app = app;

    public int Port { get; private set; }

    public volatile bool Serving = true;

    private readonly List<string> _services = [];

    public IReadOnlyList<string> Services
    {
        get
        {
            lock (_services)
            {
                return [.. _services];
            }
        }
    }

    public string UserAgent { get; private set; } = string.Empty;

    public static async Task<GrpcHealthServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        var server = new GrpcHealthServer(app);
        app.MapPost("/grpc.health.v1.Health/Check", server.CheckAsync);
        await app.StartAsync();
        server.Port = new Uri(app.Urls.First()).Port;
        return server;
    }

    private async Task CheckAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var frame = body.ToArray();
        var service = frame.Length > 7 && frame[5] == 0x0a ? System.Text.Encoding.UTF8.GetString(frame, 7, frame[6]) : string.Empty;
        lock (_services)
        {
            _services.Add(service);
            UserAgent = context.Request.Headers.UserAgent.ToString();
        }

        context.Response.ContentType = "application/grpc";
        await context.Response.Body.WriteAsync(new byte[] { 0, 0, 0, 0, 2, 0x08, (byte)(Serving ? 1 : 2) });
        context.Response.AppendTrailer("grpc-status", "0");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
