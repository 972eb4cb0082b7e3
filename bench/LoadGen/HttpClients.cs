using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace KubeNet.LoadGen;

/// <summary>
/// The client side as client-go sets it up: one shared HttpClient, one HTTP/2 connection over TLS (ALPN h2) that all
/// goroutines multiplex on, a client certificate, and the cluster CA as the only trusted root.
/// </summary>
internal static class HttpClients
{
    public static HttpClient Create(string baseUrl, string caPath, string certPath, string keyPath)
    {
        var ca = X509CertificateLoader.LoadCertificateFromFile(caPath);
        var clientCert = BenchPki.LoadWithKey(certPath, keyPath);
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = [clientCert],
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                    certificate is not null
                    && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0
                    && BenchPki.ChainsTo(ca, certificate, CertificatePurpose.Server),
            },
            EnableMultipleHttp2Connections = false,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
        };
        return new HttpClient(handler, disposeHandler: true)
        {
            BaseAddress = new Uri(baseUrl),
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    /// <summary>Sends (and disposes) the request, reads the whole body; throws unless the status is the expected one. Returns the body length.</summary>
    public static async Task<int> ExpectAsync(HttpClient client, HttpRequestMessage message, HttpStatusCode expected)
    {
        using var request = message;
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead);
        var body = await response.Content.ReadAsByteArrayAsync();
        if (response.StatusCode != expected)
        {
            var text = System.Text.Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 300));
            throw new InvalidOperationException($"{request.Method} {request.RequestUri} answered {(int)response.StatusCode}, not {(int)expected}: {text}");
        }

        if (response.Version != HttpVersion.Version20)
        {
            throw new InvalidOperationException($"{request.Method} {request.RequestUri} used HTTP/{response.Version}, not HTTP/2");
        }

        return body.Length;
    }

    // HttpClient.DefaultRequestVersion only applies to its own helpers (GetAsync...), not to a message built by hand.
    public static HttpRequestMessage Post(string path, byte[] json) => new(HttpMethod.Post, path)
    {
        Version = HttpVersion.Version20,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Content = new ByteArrayContent(json) { Headers = { ContentType = new("application/json") } },
    };

    public static HttpRequestMessage Get(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        request.Headers.Accept.Add(new("application/json"));
        return request;
    }

    /// <summary>Polls /readyz until it answers 200 or the process dies or the time is up.</summary>
    public static async Task WaitReadyAsync(HttpClient client, ChildProcess process, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the process exited before it was ready:\n{process.Tail()}");
            }

            try
            {
                using var response = await client.GetAsync("/readyz");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"not ready after {timeout.TotalSeconds} s:\n{process.Tail()}");
            }

            await Task.Delay(100);
        }
    }
}
