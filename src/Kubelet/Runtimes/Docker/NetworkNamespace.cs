using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace KubeNet.Kubelet.Runtimes.Docker;

/// <summary>
/// Connects to a port on a sandbox's own loopback, as CRI port-forward does: a socket is created by a short-lived thread
/// that first joins the sandbox's network namespace (setns on /proc/PID/ns/net), so the socket belongs to that namespace
/// and every connect from it stays inside the pod. The thread ends in the pod's namespace; no other thread is moved.
/// </summary>
internal static class NetworkNamespace
{
    private const int CloneNewNet = 0x40000000;

    public static async Task<Socket> ConnectLoopbackAsync(long pid, int port, CancellationToken ct)
    {
        var errors = new List<string>();
        foreach (var (family, address) in new[] { (AddressFamily.InterNetwork, IPAddress.Loopback), (AddressFamily.InterNetworkV6, IPAddress.IPv6Loopback) })
        {
            var socket = CreateIn(pid, family);
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), ct);
                socket.NoDelay = true;
                return socket;
            }
            catch (SocketException e)
            {
                socket.Dispose();
                errors.Add($"{(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")}: dial {address}:{port}: {e.Message}");
            }
        }

        throw new IOException($"failed to connect to localhost:{port} inside the pod's network namespace, {string.Join(", ", errors)}");
    }

    private static Socket CreateIn(long pid, AddressFamily family)
    {
        Socket? socket = null;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var ns = File.OpenHandle($"/proc/{pid}/ns/net", FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                if (NativeMethods.SetNs(ns.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new IOException($"setns into the network namespace of process {pid} failed: errno {Marshal.GetLastPInvokeError()}");
                }

                socket = new Socket(family, SocketType.Stream, ProtocolType.Tcp);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or SocketException)
            {
                error = e;
            }
        })
        { IsBackground = true, Name = "netns-connect" };
        thread.Start();
        thread.Join();
        return socket ?? throw new IOException($"cannot enter the pod's network namespace: {error?.Message}", error);
    }

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int SetNs(nint fd, int nstype);
    }
}
