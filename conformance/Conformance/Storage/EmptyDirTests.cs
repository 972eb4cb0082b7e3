using k8s;
using k8s.Models;
using KubeNet.Conformance.Framework;
using static KubeNet.Conformance.Node.NodeSteps;

namespace KubeNet.Conformance.Storage;

/// <summary>
/// test/e2e/common/storage/empty_dir.go. Upstream's mounttest creates a file with the mode and prints its permissions,
/// content and the volume's filesystem type; busybox does the same with umask, chmod, stat and cat.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class EmptyDirTests(NodeCluster cluster)
{
    private const string Mount = "/test-volume";
    private const string File = Mount + "/test-file";

    private Kubernetes Client => cluster.Client;

    private static V1Pod EmptyDirPod(bool tmpfs, string script, long? runAsUser)
    {
        var pod = Pod(Unique("pod"), "test-container", "sh", "-c", script);
        pod.Spec.Containers[0].VolumeMounts = [new V1VolumeMount { Name = "test-volume", MountPath = Mount }];
        pod.Spec.Volumes = [new V1Volume { Name = "test-volume", EmptyDir = new V1EmptyDirVolumeSource { Medium = tmpfs ? "Memory" : null } }];
        if (runAsUser is not null)
        {
            pod.Spec.SecurityContext = new V1PodSecurityContext { RunAsUser = runAsUser };
        }

        return pod;
    }

    private const string FsType = "echo \"mount type of \\\"" + Mount + "\\\": $(stat -f -c %T " + Mount + ")\"";

    private async Task NewFileAsync(long? runAsUser, string mode, string perms, bool tmpfs)
    {
        var ns = await cluster.CreateNamespaceAsync("emptydir");
        var script = $"umask 0 && echo mount-tester new file > {File} && chmod {mode} {File} && " +
            $"echo \"perms of file \\\"{File}\\\": $(stat -c %A {File})\" && echo \"content of file \\\"{File}\\\": $(cat {File})\" && {FsType}";
        List<string> expected = [$"perms of file \"{File}\": {perms}", $"content of file \"{File}\": mount-tester new file"];
        if (tmpfs)
        {
            expected.Add($"mount type of \"{Mount}\": tmpfs");
        }

        await ExpectOutputAsync(Client, ns, EmptyDirPod(tmpfs, script, runAsUser), [.. expected]);
    }

    private async Task VolumeModeAsync(bool tmpfs)
    {
        var ns = await cluster.CreateNamespaceAsync("emptydir");
        var script = $"echo \"perms of file \\\"{Mount}\\\": $(stat -c %A {Mount})\" && {FsType}";
        List<string> expected = [$"perms of file \"{Mount}\": drwxrwxrwx"];
        if (tmpfs)
        {
            expected.Add($"mount type of \"{Mount}\": tmpfs");
        }

        await ExpectOutputAsync(Client, ns, EmptyDirPod(tmpfs, script, null), [.. expected]);
    }

    [Fact(DisplayName = "[sig-storage] EmptyDir volumes volume on default medium should have the correct mode [LinuxOnly] [NodeConformance] [Conformance]")]
    public Task DefaultMediumMode() => VolumeModeAsync(tmpfs: false);

    [Fact(DisplayName = "[sig-storage] EmptyDir volumes volume on tmpfs should have the correct mode [LinuxOnly] [NodeConformance] [Conformance]")]
    public Task TmpfsMode() => VolumeModeAsync(tmpfs: true);

    [Fact(DisplayName = "[sig-storage] EmptyDir volumes should support (root,0644,default) [LinuxOnly] [NodeConformance] [Conformance]")]
    public Task Root0644Default() => NewFileAsync(null, "0644", "-rw-r--r--", false);

    [Fact(DisplayName = "[sig-storage] EmptyDir volumes should support (root,0644,tmpfs) [LinuxOnly] [NodeConformance] [Conformance]")]
    public Task Root0644Tmpfs() => NewFileAsync(null, "0644", "-rw-r--r--", true);

    [Fact(DisplayName = "[sig-storage] EmptyDir volumes should support (root,0666,default) [LinuxOnly] [NodeConformance] [Conformance]")]
    public Task Root0666Default() => NewFileAsync(null, "0666", "-rw-rw-rw-", false);

    [Fact(DisplayName = "[sig-storage] EmptyDir volumes should support (root,0666,tmpfs) [LinuxOnly] [NodeConformance] [Conformance]")]
    public Task Root0666Tmpfs() => NewFileAsync(null, "0666", "-rw-rw-rw-", true);

    [Fact(DisplayName = "[sig-storage] EmptyDir volumes should support (root,0777,default) [LinuxOnly] [NodeConformance] [Conformance]")]
    public Task Root0777Default() => NewFileAsync(null, "0777", "-rwxrwxrwx", false);

    [Fact(DisplayName = "[sig-storage] EmptyDir volumes should support (root,0777,tmpfs) [LinuxOnly] [NodeConformance] [Conformance]")]
    public Task Root0777Tmpfs() => NewFileAsync(null, "0777", "-rwxrwxrwx", true);

    [Fact(DisplayName = "[sig-storage] EmptyDir volumes should support (non-root,0644,default) [LinuxOnly] [NodeConformance] [Conformance]")]
    public Task NonRoot0644Default() => NewFileAsync(1001, "0644", "-rw-r--r--", false);

    [Fact(DisplayName = "[sig-storage] EmptyDir volumes should support (non-root,0644,tmpfs) [LinuxOnly] [NodeConformance] [Conformance]")]
    public Task NonRoot0644Tmpfs() => NewFileAsync(1001, "0644", "-rw-r--r--", true);

    [Fact(DisplayName = "[sig-storage] EmptyDir volumes should support (non-root,0666,default) [LinuxOnly] [NodeConformance] [Conformance]")]
    public Task NonRoot0666Default() => NewFileAsync(1001, "0666", "-rw-rw-rw-", false);

    [Fact(DisplayName = "[sig-storage] EmptyDir volumes should support (non-root,0666,tmpfs) [LinuxOnly] [NodeConformance] [Conformance]")]
    public Task NonRoot0666Tmpfs() => NewFileAsync(1001, "0666", "-rw-rw-rw-", true);

    [Fact(DisplayName = "[sig-storage] EmptyDir volumes should support (non-root,0777,default) [LinuxOnly] [NodeConformance] [Conformance]")]
    public Task NonRoot0777Default() => NewFileAsync(1001, "0777", "-rwxrwxrwx", false);

    [Fact(DisplayName = "[sig-storage] EmptyDir volumes should support (non-root,0777,tmpfs) [LinuxOnly] [NodeConformance] [Conformance]")]
    public Task NonRoot0777Tmpfs() => NewFileAsync(1001, "0777", "-rwxrwxrwx", true);
}
