using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace KubeNet.Kubelet.Server;

/// <summary>
/// Proxies an HTTP/1.1 upgrade (WebSocket exec/attach) to a plain-HTTP backend byte for byte: the client's handshake
/// goes through unchanged, the backend's 101 comes back, then both directions are copied until either side closes.
/// </summary>
internal static class UpgradeProxy
{
    private static readonly string[] Forwarded = ["Upgrade", "Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions", "Origin", "X-Stream-Protocol-Version"];

    public static async Task ProxyAsync(HttpContext context, Uri backend)
    {
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is null || !upgrade.IsUpgradableRequest)
        {
            context.Response.StatusCode = 400;
            await context.Response.WriteAsync("an upgrade request (WebSocket) is required", context.RequestAborted);
            return;
        }

        using var socket = new TcpClient();
        await socket.ConnectAsync(backend.Host, backend.Port, context.RequestAborted);
        var backendStream = socket.GetStream();
        var request = new StringBuilder();
        request.Append("GET ").Append(backend.PathAndQuery).Append(" HTTP/1.1\r\n");
        request.Append("Host: ").Append(backend.Authority).Append("\r\n");
        request.Append("Connection: Upgrade\r\n");
        foreach (var name in Forwarded)
        {
            foreach (var value in context.Request.Headers[name])
            {
                request.Append(name).Append(": ").Append(value).Append("\r\n");
            }
        }

        request.Append("\r\n");
        await backendStream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()), context.RequestAborted);

        // Read the backend's response head byte by byte: anything after it belongs to the upgraded stream.
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 16384)
        {
            if (await backendStream.ReadAsync(one, context.RequestAborted) == 0)
            {
                break;
            }

            head.Add(one[0]);
            if (head.Count >= 4 && head[^1] == '\n' && head[^2] == '\r' && head[^3] == '\n' && head[^4] == '\r')
            {
                break;
            }
        }

        var lines = Encoding.ASCII.GetString([.. head]).Split("\r\n");
        var statusParts = lines[0].Split(' ', 3);
        var code = statusParts.Length > 1 && int.TryParse(statusParts[1], out var c) ? c : 502;
        var headers = lines.Skip(1).Where(l => l.Contains(':', StringComparison.Ordinal))
            .Select(l => (Name: l[..l.IndexOf(':', StringComparison.Ordinal)].Trim(), Value: l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim())).ToList();
        if (code != 101)
        {
            context.Response.StatusCode = code;
            var length = headers.FirstOrDefault(h => h.Name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)).Value;
            if (int.TryParse(length, out var n) && n > 0)
            {
                var body = new byte[n];
                await backendStream.ReadExactlyAsync(body, context.RequestAborted);
                await context.Response.Body.WriteAsync(body, context.RequestAborted);
            }

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
        await PumpAsync(client, backendStream);
    }

    /// <summary>Copies both ways; when one side ends, the other is given a moment to drain, then both close.</summary>
    public static async Task PumpAsync(Stream a, Stream b)
    {
        using var stop = new CancellationTokenSource();
        var ab = CopyAsync(a, b, stop.Token);
        var ba = CopyAsync(b, a, stop.Token);
        await Task.WhenAny(ab, ba);
        stop.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            await Task.WhenAll(ab, ba);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
    }

    private static async Task CopyAsync(Stream from, Stream to, CancellationToken ct)
    {
        var buffer = new byte[32 * 1024];
        try
        {
            while (true)
            {
                var n = await from.ReadAsync(buffer, ct);
                if (n == 0)
                {
                    return;
                }

                await to.WriteAsync(buffer.AsMemory(0, n), ct);
                await to.FlushAsync(ct);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or SocketException)
        {
        }
    }
}
