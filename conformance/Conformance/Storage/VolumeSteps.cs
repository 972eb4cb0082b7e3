using k8s.Models;
using static KubeNet.Conformance.Node.NodeSteps;

namespace KubeNet.Conformance.Storage;

internal static class VolumeSteps
{
    /// <summary>A pod that runs <paramref name="script"/> with the volume mounted read-only at <paramref name="mountPath"/>.</summary>
    public static V1Pod VolumePod(string prefix, V1Volume volume, string mountPath, string script, long? runAsUser = null)
    {
        var pod = Pod(Unique(prefix), prefix + "-test", "sh", "-c", script);
        pod.Spec.Containers[0].VolumeMounts = [new V1VolumeMount { Name = volume.Name, MountPath = mountPath, ReadOnlyProperty = true }];
        pod.Spec.Volumes = [volume];
        if (runAsUser is not null)
        {
            pod.Spec.SecurityContext = new V1PodSecurityContext { RunAsUser = runAsUser };
        }

        return pod;
    }

    /// <summary>Content and permissions of a file, as mounttest prints them.</summary>
    public static string Show(string path) =>
        $"echo \"content of file \\\"{path}\\\": $(cat {path})\"; echo \"perms of file \\\"{path}\\\": $(stat -L -c %A {path})\"";

    public static string Content(string path, string value) => $"content of file \"{path}\": {value}";

    public static string Perms(string path, string perms) => $"perms of file \"{path}\": {perms}";
}
