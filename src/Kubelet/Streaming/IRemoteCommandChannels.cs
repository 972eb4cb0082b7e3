using System.Text;
using System.Text.Json;

namespace KubeNet.Kubelet.Streaming;

/// <summary>
/// One remote command session (exec or attach) as the runtime drives it, whatever carries it: the WebSocket channel
/// protocol or SPDY streams. Channel numbers are the WebSocket ones (<see cref="ChannelWebSocket.Stdout"/> and so on).
/// </summary>
internal interface IRemoteCommandChannels
{
    Task WriteAsync(byte channel, ReadOnlyMemory<byte> data, CancellationToken ct);

    /// <summary>Reports how the command ended, in the form the negotiated protocol expects.</summary>
    Task WriteExitAsync(int? exitCode, string? failure, IReadOnlyList<string>? command, CancellationToken ct);

    /// <summary>Delivers stdin and resizes until the client is done sending or gone.</summary>
    Task ReadLoopAsync(Func<ReadOnlyMemory<byte>, Task> onStdin, Func<Task> onStdinClosed, Func<int, int, Task> onResize, CancellationToken ct);

    /// <summary>Ends the session from our side once the output is complete.</summary>
    Task CloseAsync(CancellationToken ct);
}

/// <summary>The error channel's final message: a metav1.Status (v4 and later) or plain text (earlier protocols).</summary>
internal static class ExitStatus
{
    /// <summary>Null when nothing is to be written (success in the text protocols).</summary>
    public static byte[]? Payload(bool status, int? exitCode, string? failure, IReadOnlyList<string>? command)
    {
        var what = command is null ? "the process" : $"[{string.Join(' ', command)}]";
        if (!status)
        {
            return failure is not null ? Encoding.UTF8.GetBytes(failure)
                : exitCode is > 0 ? Encoding.UTF8.GetBytes($"command terminated with non-zero exit code: error executing command {what}, exit code {exitCode}") : null;
        }

        if (failure is not null)
        {
            return JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
            {
                ["metadata"] = new Dictionary<string, object>(),
                ["status"] = "Failure",
                ["message"] = failure,
                ["reason"] = "InternalError",
                ["code"] = 500,
            });
        }

        if (exitCode is > 0)
        {
            return JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
            {
                ["metadata"] = new Dictionary<string, object>(),
                ["status"] = "Failure",
                ["message"] = $"command terminated with non-zero exit code: error executing command {what}, exit code {exitCode}",
                ["reason"] = "NonZeroExitCode",
                ["details"] = new Dictionary<string, object>
                {
                    ["causes"] = new[] { new Dictionary<string, string> { ["reason"] = "ExitCode", ["message"] = exitCode.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) } },
                },
            });
        }

        return """{"metadata":{},"status":"Success"}"""u8.ToArray();
    }
}
