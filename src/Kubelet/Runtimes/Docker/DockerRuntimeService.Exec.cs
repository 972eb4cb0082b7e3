using System.Diagnostics;
using Docker.DotNet;
using Docker.DotNet.Models;
using ContainerState = KubeNet.Kubelet.Cri.V1.ContainerState;
using CreateContainerResponse = KubeNet.Kubelet.Cri.V1.CreateContainerResponse;
using VersionResponse = KubeNet.Kubelet.Cri.V1.VersionResponse;
using DockerMount = Docker.DotNet.Models.Mount;
using Grpc.Core;
using KubeNet.Kubelet.Cri.V1;

namespace KubeNet.Kubelet.Runtimes.Docker;

/// <summary>ExecSync runs to completion here; Exec and Attach hand out streaming URLs.</summary>
internal sealed partial class DockerRuntimeService
{
    // CRI caps captured output at 16 MiB per stream (CVE-2022-1708).
    private const int MaxExecOutput = 16 * 1024 * 1024;

    public override async Task<ExecSyncResponse> ExecSync(ExecSyncRequest request, ServerCallContext context)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        if (request.Timeout > 0)
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(request.Timeout));
        }

        var ct = timeout.Token;
        var created = await Call(() => docker.Exec.ExecCreateContainerAsync(request.ContainerId, new ContainerExecCreateParameters
        {
            Cmd = [.. request.Cmd],
            AttachStdout = true,
            AttachStderr = true,
        }, ct));
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        try
        {
            using var stream = await docker.Exec.StartAndAttachContainerExecAsync(created.ID, false, ct);
            var buffer = new byte[16 * 1024];
            while (true)
            {
                var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, ct);
                if (read.EOF)
                {
                    break;
                }

                var target = read.Target == MultiplexedStream.TargetStream.StandardError ? stderr : stdout;
                if (target.Length + read.Count <= MaxExecOutput)
                {
                    target.Write(buffer, 0, read.Count);
                }
            }
        }
        catch (OperationCanceledException) when (!context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, $"command timed out after {request.Timeout}s"));
        }
        catch (Exception e) when (e is DockerApiException or IOException or HttpRequestException)
        {
            throw Unavailable(e);
        }

        long exitCode = 0;
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(5))
        {
            var inspect = await Call(() => docker.Exec.InspectContainerExecAsync(created.ID, context.CancellationToken));
            if (!inspect.Running)
            {
                exitCode = inspect.ExitCode;
                break;
            }

            await Task.Delay(10, context.CancellationToken);
        }

        return new ExecSyncResponse
        {
            Stdout = Google.Protobuf.ByteString.CopyFrom(stdout.GetBuffer(), 0, (int)stdout.Length),
            Stderr = Google.Protobuf.ByteString.CopyFrom(stderr.GetBuffer(), 0, (int)stderr.Length),
            ExitCode = (int)exitCode,
        };
    }

    public override async Task<ExecResponse> Exec(ExecRequest request, ServerCallContext context)
    {
        await RequireRunningAsync(request.ContainerId, context.CancellationToken);
        if (request.Cmd.Count == 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "cmd is required"));
        }

        var url = streaming.Register(new PendingSession(false, request.ContainerId, [.. request.Cmd], request.Tty, request.Stdin, request.Stdout, request.Stderr && !request.Tty));
        return new ExecResponse { Url = url };
    }

    public override async Task<AttachResponse> Attach(AttachRequest request, ServerCallContext context)
    {
        await RequireRunningAsync(request.ContainerId, context.CancellationToken);
        var url = streaming.Register(new PendingSession(true, request.ContainerId, [], request.Tty, request.Stdin, request.Stdout, request.Stderr && !request.Tty));
        return new AttachResponse { Url = url };
    }

    private async Task RequireRunningAsync(string id, CancellationToken ct)
    {
        var c = await InspectOrNullAsync(id, ct) ?? throw new RpcException(new Status(StatusCode.NotFound, $"could not find container \"{id}\""));
        if (!c.State.Running)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"container {id} is not running (state: {c.State.Status})"));
        }
    }
}
