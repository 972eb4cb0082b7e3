using System.Net;
using Docker.DotNet;
using KubeNet.Kubelet.Cri;
using KubeNet.Kubelet.Network;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KubeNet.Kubelet.Runtimes.Docker;

/// <summary>
/// The Docker CRI server: the CRI gRPC services on a unix socket (HTTP/2 without TLS, as CRI clients dial it) and the
/// streaming server for exec and attach on a loopback port. A library: `kube-net cri-docker` and `kube-net server` start
/// it the same way.
/// </summary>
public sealed partial class DockerCriServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly DockerClient _docker;

    private DockerCriServer(WebApplication app, DockerClient docker, string endpoint, string streamingUrl)
    {
        _app = app;
        _docker = docker;
        Endpoint = endpoint;
        StreamingUrl = streamingUrl;
    }

    /// <summary>unix://PATH of the CRI socket.</summary>
    public string Endpoint { get; }

    public string StreamingUrl { get; }

    /// <summary>True when the Docker socket answers a ping within two seconds.</summary>
    public static async Task<bool> DockerAnswersAsync(string dockerEndpoint = "unix:///var/run/docker.sock")
    {
        var path = CriClient.ParseEndpoint(dockerEndpoint);
        if (!File.Exists(path))
        {
            return false;
        }

        using var docker = new DockerClientConfiguration(new Uri(dockerEndpoint), defaultTimeout: TimeSpan.FromSeconds(2)).CreateClient();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await docker.System.PingAsync(timeout.Token);
            return true;
        }
        catch (Exception e) when (e is DockerApiException or HttpRequestException or IOException or OperationCanceledException or TimeoutException)
        {
            return false;
        }
    }

    public static Task<DockerCriServer> StartAsync(string listen, ILoggerFactory loggerFactory, CancellationToken ct = default) =>
        StartAsync(new DockerCriOptions { Listen = listen }, loggerFactory, ct);

    internal static async Task<DockerCriServer> StartAsync(DockerCriOptions options, ILoggerFactory loggerFactory, CancellationToken ct = default)
    {
        options.Validate();
        var socketPath = Path.GetFullPath(CriClient.ParseEndpoint(options.Listen));
        Directory.CreateDirectory(Path.GetDirectoryName(socketPath)!);
        if (File.Exists(socketPath))
        {
            // A socket file left by a process that is gone; binding would fail on it.
            File.Delete(socketPath);
        }

        Directory.CreateDirectory(options.StateDirectory);
        var docker = new DockerClientConfiguration(new Uri(options.DockerEndpoint), defaultTimeout: TimeSpan.FromMinutes(5)).CreateClient();
        var logger = loggerFactory.CreateLogger("KubeNet.CriDocker");
        var streaming = new StreamingServer(docker, logger);
        var network = new SandboxNetwork(options.CniBinDirectory, options.StateDirectory, options.BridgeName, logger);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = 16 * 1024 * 1024);
        builder.Services.AddSingleton<IDockerClient>(docker);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(_ => network); // made by a factory, so the container disposes it (and its host ports)
        builder.Services.AddSingleton(streaming);
        builder.Services.AddSingleton(sp => new DockerRuntimeService(docker, options, sp.GetRequiredService<SandboxNetwork>(), streaming, logger));
        builder.Services.AddSingleton(new DockerImageService(docker));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.ListenUnixSocket(socketPath, l => l.Protocols = HttpProtocols.Http2);
            kestrel.Listen(IPAddress.Parse(options.StreamingAddress), options.StreamingPort, l => l.Protocols = HttpProtocols.Http1);
        });

        var app = builder.Build();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        app.MapGrpcService<DockerRuntimeService>();
        app.MapGrpcService<DockerImageService>();
        app.Map("/exec/{token}", (HttpContext c) => streaming.HandleAsync(c));
        app.Map("/attach/{token}", (HttpContext c) => streaming.HandleAsync(c));
        app.Map("/portforward/{token}", (HttpContext c) => streaming.PortForwards.HandleAsync(c));
        await app.StartAsync(ct);

        var streamingUrl = app.Urls.Select(u => u.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)).First(u => u.StartsWith("http://", StringComparison.Ordinal) && !u.Contains("unix:", StringComparison.Ordinal));
        streaming.BaseUrl = streamingUrl.TrimEnd('/');
        var server = new DockerCriServer(app, docker, "unix://" + socketPath, streaming.BaseUrl);
        LogListening(logger, server.Endpoint, options.DockerEndpoint, server.StreamingUrl);
        return server;
    }

    public Task WaitForShutdownAsync(CancellationToken ct) => _app.WaitForShutdownAsync(ct);

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
        _docker.Dispose();
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Docker CRI server listening on {Endpoint} (docker at {Docker}, streaming at {Streaming})")]
    private static partial void LogListening(ILogger logger, string endpoint, string docker, string streaming);
}
