using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace KubeNet.Kubelet.Streaming.Spdy;

/// <summary>
/// The HTTP/1.1 upgrade to SPDY/3.1 as k8s.io/apimachinery's httpstream.Handshake and spdy.ResponseUpgrader answer it:
/// the client lists protocols in X-Stream-Protocol-Version headers, the first of them the server knows wins and is
/// echoed back; none known is 403 with X-Accepted-Stream-Protocol-Versions; no header at all means the oldest protocol.
/// </summary>
internal static class SpdyUpgrade
{
    public const string Upgrade = "SPDY/3.1";

    public static bool IsSpdyRequest(HttpContext context) =>
        context.Request.Headers.Upgrade.ToString().Contains(Upgrade, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Negotiates and upgrades; on failure the response is already written and the result is null. <paramref name="fallback"/>
    /// is the protocol assumed when the client names none.
    /// </summary>
    public static async Task<(Stream Transport, string Protocol)?> AcceptAsync(HttpContext context, IReadOnlyList<string> supported, string fallback)
    {
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is null || !upgrade.IsUpgradableRequest || !IsSpdyRequest(context))
        {
            await PlainAsync(context, 400, "unable to upgrade: missing upgrade headers in request");
            return null;
        }

        var offered = context.Request.Headers["X-Stream-Protocol-Version"]
            .SelectMany(v => (v ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        var protocol = offered.Count == 0 ? fallback : offered.FirstOrDefault(supported.Contains);
        if (protocol is null)
        {
            foreach (var p in supported)
            {
                context.Response.Headers.Append("X-Accepted-Stream-Protocol-Versions", p);
            }

            await PlainAsync(context, 403, $"unable to upgrade: unable to negotiate protocol: client supports [{string.Join(' ', offered)}], server accepts [{string.Join(' ', supported)}]");
            return null;
        }

        if (offered.Count > 0)
        {
            context.Response.Headers["X-Stream-Protocol-Version"] = protocol;
        }

        context.Response.Headers.Upgrade = Upgrade;
        return (await upgrade.UpgradeAsync(), protocol);
    }

    private static async Task PlainAsync(HttpContext context, int code, string message)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(message, context.RequestAborted);
    }
}
