namespace KubeNet.ApiServer.Tests.Infrastructure;

/// <summary>
/// The stock client programs the tests drive. A missing one fails the test with what to install: nothing is skipped.
/// </summary>
public static class ClientPrograms
{
    public const string Kubectl = "/usr/bin/kubectl";

    // The Debian python3 that has python3-kubernetes, not whatever python3 comes first on PATH (pyenv shims).
    public const string Python = "/usr/bin/python3";

    private static readonly Lazy<string?> PythonProblem = new(() =>
    {
        if (!File.Exists(Python))
        {
            return $"{Python} is missing: install it with `apt-get install -y python3 python3-kubernetes`";
        }

        var probe = ProcessRunner.RunAsync(Python, ["-c", "import kubernetes; print(kubernetes.__version__)"], timeout: TimeSpan.FromSeconds(30))
            .GetAwaiter().GetResult();
        return probe.ExitCode == 0
            ? null
            : $"{Python} cannot import kubernetes: install it with `apt-get install -y python3-kubernetes`\n{probe}";
    });

    public static void RequireKubectl()
    {
        if (!File.Exists(Kubectl))
        {
            throw new Xunit.Sdk.XunitException(
                $"{Kubectl} is missing: install kubectl 1.32 there (for example the kubernetes-client package, or the kubectl binary from dl.k8s.io into /usr/bin)");
        }
    }

    public static void RequirePython()
    {
        if (PythonProblem.Value is { } problem)
        {
            throw new Xunit.Sdk.XunitException(problem);
        }
    }
}
