using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KubeNet.Kubelet.Network;

/// <summary>
/// Runs CNI plugins (the containernetworking-plugins binaries) as the CNI spec says: the command, container id, netns
/// path and interface name in the environment, the network configuration on stdin, the result JSON on stdout.
/// </summary>
internal static class Cni
{
    public const string Version = "0.4.0";

    public static async Task<JsonNode?> InvokeAsync(string binDirectory, string command, string containerId, string netns, string ifName, JsonObject config, CancellationToken ct)
    {
        var type = config["type"]?.GetValue<string>() ?? throw new InvalidOperationException("CNI config has no type");
        var plugin = Path.Combine(binDirectory, type);
        if (!File.Exists(plugin))
        {
            throw new InvalidOperationException($"CNI plugin {plugin} is missing: install containernetworking-plugins");
        }

        var start = new ProcessStartInfo(plugin)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["CNI_COMMAND"] = command;
        start.Environment["CNI_CONTAINERID"] = containerId;
        start.Environment["CNI_NETNS"] = netns;
        start.Environment["CNI_IFNAME"] = ifName;
        start.Environment["CNI_PATH"] = binDirectory;

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {plugin}");
        await process.StandardInput.WriteAsync(config.ToJsonString());
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        var output = await stdout;
        if (process.ExitCode != 0)
        {
            var message = output;
            try
            {
                message = JsonNode.Parse(output)?["msg"]?.GetValue<string>() ?? output;
            }
            catch (JsonException)
            {
            }

            throw new InvalidOperationException($"CNI {type} {command} failed ({process.ExitCode}): {message.Trim()} {(await stderr).Trim()}".Trim());
        }

        return string.IsNullOrWhiteSpace(output) ? null : JsonNode.Parse(output);
    }
}
