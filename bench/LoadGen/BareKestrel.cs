using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace KubeNet.LoadGen;

/// <summary>
/// The HTTP baseline, run as its own process like the API server: Kestrel with the same listener settings (HTTPS,
/// HTTP/1.1 and HTTP/2, client certificates checked against a CA) answering every GET with a fixed 1.3 KB JSON body and
/// every POST, after reading the whole request body, with 201 and the same body. No routing, no JSON, no storage.
/// </summary>
internal static class BareKestrel
{
    public const string Verb = "bare-kestrel";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length != 4 || args[0] != "--port" || args[2] != "--cert-dir")
        {
            await Console.Error.WriteLineAsync($"usage: KubeNet.LoadGen {Verb} --port PORT --cert-dir DIR");
            return 2;
        }

        var port = int.Parse(args[1], CultureInfo.InvariantCulture);
        var dir = args[3];
        var ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(dir, BenchPki.Ca));
        var serving = BenchPki.LoadWithKey(Path.Combine(dir, BenchPki.ServerCert), Path.Combine(dir, BenchPki.ServerKey));
        var body = Payload.ConfigMap(Payload.Namespace, Payload.Name(0));
        var ok = "ok"u8.ToArray();

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
            kestrel.Limits.MinResponseDataRate = null;
            kestrel.Listen(IPAddress.Loopback, port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(https =>
                {
                    https.ServerCertificate = serving;
                    https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                    https.ClientCertificateValidation = (cert, _, _) => BenchPki.ChainsTo(ca, cert, CertificatePurpose.Client);
                });
            });
        });

        await using var app = builder.Build();
        app.Run(async context =>
        {
            if (context.Request.Path == "/readyz")
            {
                context.Response.ContentType = "text/plain";
                await context.Response.Body.WriteAsync(ok);
                return;
            }

            if (HttpMethods.IsPost(context.Request.Method))
            {
                await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
                context.Response.StatusCode = StatusCodes.Status201Created;
            }

            context.Response.ContentType = "application/json";
            context.Response.ContentLength = body.Length;
            await context.Response.Body.WriteAsync(body, context.RequestAborted);
        });
        await app.RunAsync();
        return 0;
    }
}
