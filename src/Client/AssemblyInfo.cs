namespace KubeNet.Client;

/// <summary>Client machinery shared by the controllers, the scheduler and the kubelet.</summary>
internal static class AssemblyMarker
{
}
