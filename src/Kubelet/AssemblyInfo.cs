namespace KubeNet.Kubelet;

/// <summary>The node agent: CRI kubelet and simulated nodes.</summary>
internal static class AssemblyMarker
{
}
