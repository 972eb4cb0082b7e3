using System.Net.Sockets;
using Grpc.Net.Client;
using KubeNet.Kubelet.Cri.V1;

namespace KubeNet.Kubelet.Cri;

/// <summary>
/// The kubelet's side of CRI: one gRPC channel (HTTP/2 without TLS) to a runtime endpoint on a unix socket, with the
/// runtime and image services on it. Any CRI server answers: our Docker runtime, containerd or CRI-O.
/// </summary>
internal sealed class CriClient : IDisposable
{
    private readonly GrpcChannel _channel;

    public CriClient(string endpoint)
    {
        Endpoint = endpoint;
        SocketPath = ParseEndpoint(endpoint);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = TimeSpan.FromSeconds(60),
            EnableMultipleHttp2Connections = true,
        };

        // The authority is a placeholder: the connect callback ignores it and dials the socket.
        _channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxReceiveMessageSize = 16 * 1024 * 1024,
            DisposeHttpClient = true,
        });
        Runtime = new RuntimeService.RuntimeServiceClient(_channel);
        Images = new ImageService.ImageServiceClient(_channel);
    }

    public string Endpoint { get; }

    public string SocketPath { get; }

    public RuntimeService.RuntimeServiceClient Runtime { get; }

    public ImageService.ImageServiceClient Images { get; }

    /// <summary>unix:///run/x.sock, unix://relative.sock or a bare path: the socket's path.</summary>
    public static string ParseEndpoint(string endpoint)
    {
        if (endpoint.StartsWith("unix://", StringComparison.Ordinal))
        {
            return endpoint["unix://".Length..];
        }

        if (endpoint.Contains("://", StringComparison.Ordinal))
        {
            throw new ArgumentException($"runtime endpoint \"{endpoint}\": only unix:// endpoints are supported");
        }

        return endpoint;
    }

    public void Dispose() => _channel.Dispose();
}
