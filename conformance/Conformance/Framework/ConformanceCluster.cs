using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Models;
using KubeNet.ApiServer;
using KubeNet.Cluster;
using KubeNet.Kubelet.Simulation;

namespace KubeNet.Conformance.Framework;

/// <summary>
/// The cluster under test: the one KUBECONFIG names, or, when KUBECONFIG is unset, the all-in-one Kube.NET cluster
/// (API server, three simulated nodes, scheduler, controller-manager) started in this process on a free port. The scenarios only talk to it through clients, so they run against any cluster.
/// </summary>
public sealed class ConformanceCluster : IAsyncLifetime
{
    public const string Kubectl = "/usr/bin/kubectl";

    private LocalCluster? _server;
    private string? _dataDirectory;

    public string KubeconfigPath { get; private set; } = "";

    public Kubernetes Client { get; private set; } = null!;

    public KubernetesClientConfiguration Configuration { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var external = Environment.GetEnvironmentVariable("KUBECONFIG");
        if (!string.IsNullOrEmpty(external))
        {
            KubeconfigPath = external.Split(Path.PathSeparator)[0];
        }
        else
        {
            _dataDirectory = Path.Combine(Path.GetTempPath(), "kubenet-conformance-" + Guid.NewGuid().ToString("N")[..12]);
            _server = await LocalCluster.StartAsync(new LocalClusterOptions
            {
                ApiServer = new ApiServerOptions { DataDirectory = _dataDirectory, SecurePort = 0 },
                HollowNodes = new HollowNodeOptions { Count = 3, Cpu = "4", TerminationDelay = TimeSpan.FromMilliseconds(500) },
            });
            KubeconfigPath = _server.KubeconfigPath;
        }

        Configuration = KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath);
        Client = new Kubernetes(Configuration);
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_dataDirectory is not null)
        {
            try
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>A namespace per scenario, as the e2e framework makes one per test (basename + random suffix).</summary>
    public async Task<string> CreateNamespaceAsync(string basename)
    {
        var ns = await Client.CoreV1.CreateNamespaceAsync(new V1Namespace
        {
            Metadata = new V1ObjectMeta { GenerateName = basename + "-", Labels = new Dictionary<string, string> { ["e2e-framework"] = basename } },
        });
        return ns.Metadata.Name;
    }

    /// <summary>Runs stock kubectl against the cluster; a missing kubectl fails the scenario with what to install.</summary>
    public Task<(int ExitCode, string StdOut, string StdErr)> KubectlAsync(params string[] args) => KubectlInputAsync(null, args);

    /// <summary>Runs kubectl with <paramref name="stdin"/> on its standard input (`-f -`), as e2e's RunKubectlOrDieInput.</summary>
    public async Task<(int ExitCode, string StdOut, string StdErr)> KubectlInputAsync(string? stdin, params string[] args)
    {
        if (!File.Exists(Kubectl))
        {
            throw new Xunit.Sdk.XunitException($"{Kubectl} is missing: install kubectl 1.32 there to run the sig-cli scenarios");
        }

        var info = new ProcessStartInfo(Kubectl)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["KUBECONFIG"] = KubeconfigPath;
        if (_dataDirectory is not null)
        {
            info.Environment["KUBECACHEDIR"] = Path.Combine(_dataDirectory, "kubectl-cache");
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>A plain HttpClient with the kubeconfig's credentials, for requests whose headers matter.</summary>
    public HttpClient CreateHttpClient()
    {
        var config = Configuration;
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            if (config.SkipTlsVerify)
            {
                return true;
            }

            if (errors == SslPolicyErrors.None)
            {
                return true;
            }

            if (certificate is null || config.SslCaCerts is null)
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(config.SslCaCerts);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
        };
        if (!string.IsNullOrEmpty(config.ClientCertificateData) || !string.IsNullOrEmpty(config.ClientCertificateFilePath))
        {
            var certPem = !string.IsNullOrEmpty(config.ClientCertificateData)
                ? System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(config.ClientCertificateData))
                : File.ReadAllText(config.ClientCertificateFilePath);
            var keyPem = !string.IsNullOrEmpty(config.ClientCertificateKeyData)
                ? System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(config.ClientCertificateKeyData))
                : File.ReadAllText(config.ClientKeyFilePath);
            using var pem = X509Certificate2.CreateFromPem(certPem, keyPem);
            handler.SslOptions.ClientCertificates = [X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null)];
        }

        var http = new HttpClient(handler) { BaseAddress = new Uri(config.Host.TrimEnd('/') + "/") };
        if (!string.IsNullOrEmpty(config.AccessToken))
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", config.AccessToken);
        }

        return http;
    }
}

[CollectionDefinition(Name)]
public sealed class ConformanceCollection : ICollectionFixture<ConformanceCluster>
{
    public const string Name = "the cluster under test";
}
