using k8s;
using k8s.Models;

namespace KubeNet.Controllers.Tests.Workloads;

/// <summary>
/// What the persistent volume controller would do for the claims of one namespace: no volume binder or provisioner
/// runs in the test cluster, and the scheduler (as upstream) does not place a pod whose claim is unbound. Each new
/// claim gets a hostPath PersistentVolume reserved for it, and is bound to it (spec.volumeName, phase Bound).
/// </summary>
internal sealed class VolumeBinderStandIn : IAsyncDisposable
{
    private readonly IKubernetes _client;
    private readonly string _ns;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;

    public VolumeBinderStandIn(IKubernetes client, string ns)
    {
        _client = client;
        _ns = ns;
        _run = Task.Run(RunAsync);
    }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                foreach (var claim in (await _client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(_ns, cancellationToken: _stop.Token)).Items)
                {
                    if (string.IsNullOrEmpty(claim.Spec.VolumeName))
                    {
                        await BindAsync(claim);
                    }
                }

                await Task.Delay(200, _stop.Token);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (k8s.Autorest.HttpOperationException)
            {
                // A claim that changed or went meanwhile is looked at again on the next round.
            }
        }
    }

    private async Task BindAsync(V1PersistentVolumeClaim claim)
    {
        var name = "pv-" + claim.Metadata.Uid;
        await _client.CoreV1.CreatePersistentVolumeAsync(new V1PersistentVolume
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1PersistentVolumeSpec
            {
                Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = claim.Spec.Resources.Requests["storage"] },
                AccessModes = claim.Spec.AccessModes,
                HostPath = new V1HostPathVolumeSource { Path = "/tmp/" + name },
                StorageClassName = claim.Spec.StorageClassName,
                ClaimRef = new V1ObjectReference { NamespaceProperty = _ns, Name = claim.Metadata.Name, Uid = claim.Metadata.Uid },
            },
        }, cancellationToken: _stop.Token);
        claim.Spec.VolumeName = name;
        claim = await _client.CoreV1.ReplaceNamespacedPersistentVolumeClaimAsync(claim, claim.Metadata.Name, _ns, cancellationToken: _stop.Token);
        claim.Status = new V1PersistentVolumeClaimStatus
        {
            Phase = "Bound",
            AccessModes = claim.Spec.AccessModes,
            Capacity = claim.Spec.Resources.Requests,
        };
        await _client.CoreV1.ReplaceNamespacedPersistentVolumeClaimStatusAsync(claim, claim.Metadata.Name, _ns, cancellationToken: _stop.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _run;
        _stop.Dispose();
    }
}
