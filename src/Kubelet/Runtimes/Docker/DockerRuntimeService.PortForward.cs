using Grpc.Core;
using KubeNet.Kubelet.Cri.V1;

namespace KubeNet.Kubelet.Runtimes.Docker;

/// <summary>PortForward hands out a streaming URL bound to the sandbox's network namespace (its pause process).</summary>
internal sealed partial class DockerRuntimeService
{
    public override async Task<PortForwardResponse> PortForward(PortForwardRequest request, ServerCallContext context)
    {
        var sandbox = await InspectOrNullAsync(request.PodSandboxId, context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"could not find pod sandbox \"{request.PodSandboxId}\""));
        if (!sandbox.State.Running || sandbox.State.Pid <= 0)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"pod sandbox {request.PodSandboxId} is not running"));
        }

        if (request.Port.Any(p => p is < 1 or > 65535))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "ports must be between 1 and 65535"));
        }

        var url = streaming.PortForwards.Register(streaming.BaseUrl, sandbox.ID, sandbox.State.Pid, [.. request.Port]);
        return new PortForwardResponse { Url = url };
    }
}
