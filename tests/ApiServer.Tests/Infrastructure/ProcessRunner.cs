using System.Diagnostics;
using System.Text;

namespace KubeNet.ApiServer.Tests.Infrastructure;

/// <summary>What a finished child process left behind.</summary>
public sealed record ProcessResult(string Command, int ExitCode, string StdOut, string StdErr)
{
    /// <summary>Everything needed to see why an assertion on this run failed.</summary>
    public override string ToString() => $"$ {Command}\nexit {ExitCode}\n--- stdout\n{StdOut}\n--- stderr\n{StdErr}";
}

/// <summary>Runs the real client programs (kubectl, python3) as processes.</summary>
public static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? stdin = null,
        TimeSpan? timeout = null)
    {
        var info = CreateStartInfo(fileName, arguments, environment);
        info.RedirectStandardInput = stdin is not null;
        var command = Describe(info);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {command}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return new ProcessResult(command, -1, await stdout, await stderr + $"\n[killed after {timeout ?? TimeSpan.FromSeconds(60)}]");
        }

        return new ProcessResult(command, process.ExitCode, await stdout, await stderr);
    }

    internal static ProcessStartInfo CreateStartInfo(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        return info;
    }

    internal static string Describe(ProcessStartInfo info)
        => info.FileName + " " + string.Join(' ', info.ArgumentList.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"'{a}'" : a));
}

/// <summary>
/// A long-running child process (kubectl get -w, kube-net server) whose output is read line by line while it runs.
/// Disposing kills it and its children.
/// </summary>
public sealed class BackgroundProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _stdout = [];
    private readonly StringBuilder _stderr = new();
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _changed = new(0);

    private BackgroundProcess(Process process, string command)
    {
        _process = process;
        Command = command;
    }

    public string Command { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static BackgroundProcess Start(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var info = ProcessRunner.CreateStartInfo(fileName, arguments, environment);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var background = new BackgroundProcess(process, ProcessRunner.Describe(info));
        process.OutputDataReceived += (_, e) => background.OnLine(e.Data, stdout: true);
        process.ErrorDataReceived += (_, e) => background.OnLine(e.Data, stdout: false);
        process.Exited += (_, _) => background._changed.Release();
        if (!process.Start())
        {
            throw new InvalidOperationException($"could not start {background.Command}");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return background;
    }

    public IReadOnlyList<string> StdOutLines
    {
        get
        {
            lock (_gate)
            {
                return [.. _stdout];
            }
        }
    }

    public string StdErr
    {
        get
        {
            lock (_gate)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Waits until the output so far satisfies <paramref name="condition"/>; fails with the output otherwise.</summary>
    public async Task<IReadOnlyList<string>> WaitForOutputAsync(Func<IReadOnlyList<string>, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var lines = StdOutLines;
            if (condition(lines))
            {
                return lines;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || (_process.HasExited && !condition(StdOutLines)))
            {
                if (_process.HasExited)
                {
                    // Let the asynchronous readers drain what the process wrote before it exited.
                    _process.WaitForExit();
                    if (condition(StdOutLines))
                    {
                        return StdOutLines;
                    }
                }

                throw new Xunit.Sdk.XunitException(
                    $"timed out waiting for {what} from `{Command}`\n--- stdout\n{string.Join('\n', StdOutLines)}\n--- stderr\n{StdErr}");
            }

            await _changed.WaitAsync(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL, as `kill -9`.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    private void OnLine(string? line, bool stdout)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            if (stdout)
            {
                _stdout.Add(line);
            }
            else
            {
                _stderr.AppendLine(line);
            }
        }

        _changed.Release();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // never started or already reaped
        }

        _process.Dispose();
        _changed.Dispose();
    }
}
