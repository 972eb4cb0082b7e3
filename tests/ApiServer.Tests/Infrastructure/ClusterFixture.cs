using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Models;

namespace KubeNet.ApiServer.Tests.Infrastructure;

/// <summary>
/// One in-process API server on 127.0.0.1 and a free port, in a temporary data directory, shared by every test in
/// <see cref="ClusterCollection"/>. Tests stay independent by working in namespaces of their own.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private KubeApiServer? _server;

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "kubenet-tests-" + Guid.NewGuid().ToString("N")[..12]);

    public KubeApiServer Server => _server ?? throw new InvalidOperationException("the server is not started");

    public string KubeconfigPath => Server.KubeconfigPath;

    public Uri BaseUri => new(Server.Url);

    public Kubernetes Client { get; private set; } = null!;

    /// <summary>Environment for kubectl and python: this cluster's kubeconfig and a discovery cache of its own.</summary>
    public IReadOnlyDictionary<string, string?> ClientEnvironment => new Dictionary<string, string?>
    {
        ["KUBECONFIG"] = KubeconfigPath,
        ["KUBECACHEDIR"] = Path.Combine(DataDirectory, "kubectl-cache"),
        ["HOME"] = DataDirectory,
        ["PYTHONDONTWRITEBYTECODE"] = "1",
    };

    public async Task InitializeAsync()
    {
        _server = await KubeApiServer.StartAsync(new ApiServerOptions
        {
            DataDirectory = DataDirectory,
            BindAddress = "127.0.0.1",
            SecurePort = 0,
        });
        Client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath));
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // a straggling child process may still hold a file; the directory is in the temp folder
        }
    }

    /// <summary>A fresh, unique namespace created through the C# client.</summary>
    public async Task<string> CreateNamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }

    public Task<ProcessResult> KubectlAsync(params string[] args) => KubectlWithInputAsync(null, args);

    public Task<ProcessResult> KubectlWithInputAsync(string? stdin, params string[] args)
    {
        ClientPrograms.RequireKubectl();
        return ProcessRunner.RunAsync(ClientPrograms.Kubectl, args, ClientEnvironment, stdin);
    }

    /// <summary>Runs kubectl with extra environment variables on top of <see cref="ClientEnvironment"/> (EDITOR for edit).</summary>
    public Task<ProcessResult> KubectlWithEnvironmentAsync(IReadOnlyDictionary<string, string?> extra, params string[] args)
    {
        ClientPrograms.RequireKubectl();
        var environment = new Dictionary<string, string?>(ClientEnvironment);
        foreach (var (key, value) in extra)
        {
            environment[key] = value;
        }

        return ProcessRunner.RunAsync(ClientPrograms.Kubectl, args, environment);
    }

    /// <summary>Runs kubectl and fails the test, showing its output, unless it exits 0.</summary>
    public async Task<string> KubectlOkAsync(params string[] args)
    {
        var result = await KubectlAsync(args);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.StdOut;
    }

    public BackgroundProcess StartKubectl(params string[] args)
    {
        ClientPrograms.RequireKubectl();
        return BackgroundProcess.Start(ClientPrograms.Kubectl, args, ClientEnvironment);
    }

    /// <summary>Runs one of the Python scripts under Assets/python with /usr/bin/python3 and python3-kubernetes.</summary>
    public Task<ProcessResult> PythonAsync(string script, params string[] args)
    {
        ClientPrograms.RequirePython();
        var path = Path.Combine(AppContext.BaseDirectory, "Assets", "python", script);
        return ProcessRunner.RunAsync(ClientPrograms.Python, [path, .. args], ClientEnvironment, timeout: TimeSpan.FromSeconds(90));
    }

    /// <summary>
    /// An HttpClient for byte-level checks: trusts only the cluster CA and, unless told otherwise, presents the admin
    /// client certificate (group system:masters).
    /// </summary>
    public HttpClient CreateHttpClient(bool withClientCertificate = true)
    {
        var ca = X509CertificateLoader.LoadCertificateFromFile(Server.Pki.CaPath);
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    if (certificate is null)
                    {
                        return false;
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
                },
            },
        };
        if (withClientCertificate)
        {
            var pem = X509Certificate2.CreateFromPemFile(Server.Pki.AdminCertPath, Server.Pki.AdminKeyPath);
            handler.SslOptions.ClientCertificates = [X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null)];
        }

        var client = new HttpClient(handler) { BaseAddress = BaseUri, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "one in-process API server";
}
