using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace KubeNet.Kubelet.Streaming;

/// <summary>
/// The server half of the WebSocket handshake done by hand. ASP.NET's accept rejects sub-protocols outside the RFC 6455
/// token characters, but client-go names its tunnelled port-forward protocol "SPDY/3.1+portforward.k8s.io" (a '/'), so
/// that protocol is answered here and the socket is built straight on the upgraded stream.
/// </summary>
internal static class RawWebSocket
{
    private const string Magic = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>Answers 101 with <paramref name="protocol"/>; null (nothing written) when the request is no WebSocket upgrade.</summary>
    public static async Task<WebSocket?> AcceptAsync(HttpContext context, string? protocol, TimeSpan keepAlive)
    {
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        var key = context.Request.Headers["Sec-WebSocket-Key"].ToString();
        if (upgrade is null || !upgrade.IsUpgradableRequest || key.Length == 0
            || !context.Request.Headers.Upgrade.ToString().Contains("websocket", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        context.Response.Headers.Upgrade = "websocket";
        context.Response.Headers["Sec-WebSocket-Accept"] = AcceptKey(key);
        if (protocol is not null)
        {
            context.Response.Headers["Sec-WebSocket-Protocol"] = protocol;
        }

        var stream = await upgrade.UpgradeAsync();
        return WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = keepAlive });
    }

    // RFC 6455 fixes SHA-1 for the accept key: it proves the server read the handshake, it protects nothing.
#pragma warning disable CA5350
    public static string AcceptKey(string key) =>
        Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key.Trim() + Magic)));
#pragma warning restore CA5350
}
