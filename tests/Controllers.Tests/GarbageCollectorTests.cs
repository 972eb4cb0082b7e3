using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.Controllers.Tests.Infrastructure;

namespace KubeNet.Controllers.Tests;

/// <summary>
/// The garbage collector of the in-process cluster, driven through the C# client with owners and dependents made by
/// hand: background, foreground (blockOwnerDeletion and the foregroundDeletion finalizer) and orphan deletion, absent
/// owners, several owners, cluster-scoped owners and a dependency cycle.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class GarbageCollectorTests(ClusterFixture cluster)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);

    private IKubernetes Client => cluster.Client;

    private static V1OwnerReference OwnedBy(V1ConfigMap owner, bool block = false) => new()
    {
        ApiVersion = "v1", Kind = "ConfigMap", Name = owner.Metadata.Name, Uid = owner.Metadata.Uid, BlockOwnerDeletion = block ? true : null,
    };

    private async Task<V1ConfigMap> ConfigMapAsync(string ns, string name, IList<V1OwnerReference>? owners = null, IList<string>? finalizers = null)
        => await Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name, OwnerReferences = owners, Finalizers = finalizers } }, ns);

    private async Task<V1ConfigMap?> TryReadAsync(string ns, string name)
    {
        try
        {
            return await Client.CoreV1.ReadNamespacedConfigMapAsync(name, ns);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private Task GoneAsync(string ns, string name)
        => ClusterFixture.EventuallyAsync(async () => await TryReadAsync(ns, name) is null, Timeout, () => $"configmap {ns}/{name} still exists");

    [Fact]
    public async Task Background_deletion_removes_dependents_once_the_owner_is_gone()
    {
        var ns = await cluster.CreateNamespaceAsync("gc-bg");
        var owner = await ConfigMapAsync(ns, "owner");
        await ConfigMapAsync(ns, "dep-1", [OwnedBy(owner)]);
        await ConfigMapAsync(ns, "dep-2", [OwnedBy(owner, block: true)]);

        await Client.CoreV1.DeleteNamespacedConfigMapAsync("owner", ns, propagationPolicy: "Background");
        Assert.Null(await TryReadAsync(ns, "owner"));
        await GoneAsync(ns, "dep-1");
        await GoneAsync(ns, "dep-2");
    }

    [Fact]
    public async Task Foreground_deletion_keeps_the_owner_until_its_blocking_dependents_are_gone()
    {
        var ns = await cluster.CreateNamespaceAsync("gc-fg");
        var owner = await ConfigMapAsync(ns, "owner");

        // The dependent carries a finalizer of its own, so the owner's wait can be seen.
        await ConfigMapAsync(ns, "blocking", [OwnedBy(owner, block: true)], ["example.com/hold"]);
        await ConfigMapAsync(ns, "free", [OwnedBy(owner)]);

        await Client.CoreV1.DeleteNamespacedConfigMapAsync("owner", ns, propagationPolicy: "Foreground");
        await ClusterFixture.EventuallyAsync(
            async () => (await TryReadAsync(ns, "blocking"))?.Metadata.DeletionTimestamp is not null && await TryReadAsync(ns, "free") is null,
            Timeout, () => "the dependents were not deleted");

        var waiting = await TryReadAsync(ns, "owner");
        Assert.NotNull(waiting);
        Assert.NotNull(waiting.Metadata.DeletionTimestamp);
        Assert.Contains("foregroundDeletion", waiting.Metadata.Finalizers);

        await Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch), "blocking", ns);
        await GoneAsync(ns, "blocking");
        await GoneAsync(ns, "owner");
    }

    [Fact]
    public async Task Orphan_deletion_removes_the_owner_reference_from_dependents_and_keeps_them()
    {
        var ns = await cluster.CreateNamespaceAsync("gc-orphan");
        var owner = await ConfigMapAsync(ns, "owner");
        var other = await ConfigMapAsync(ns, "other-owner");
        await ConfigMapAsync(ns, "dep-1", [OwnedBy(owner, block: true)]);
        await ConfigMapAsync(ns, "dep-2", [OwnedBy(owner), OwnedBy(other)]);

        await Client.CoreV1.DeleteNamespacedConfigMapAsync("owner", ns, propagationPolicy: "Orphan");
        await GoneAsync(ns, "owner");

        var dep1 = await TryReadAsync(ns, "dep-1");
        Assert.NotNull(dep1);
        Assert.Null(dep1.Metadata.OwnerReferences);
        var dep2 = await TryReadAsync(ns, "dep-2");
        Assert.NotNull(dep2);
        Assert.Equal(other.Metadata.Uid, Assert.Single(dep2.Metadata.OwnerReferences).Uid);
    }

    [Fact]
    public async Task A_dependent_of_an_owner_that_never_existed_is_deleted_and_a_live_owner_keeps_one()
    {
        var ns = await cluster.CreateNamespaceAsync("gc-absent");
        var live = await ConfigMapAsync(ns, "live");
        var absent = new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "never", Uid = Guid.NewGuid().ToString() };
        await ConfigMapAsync(ns, "orphaned", [absent]);
        await ConfigMapAsync(ns, "kept", [absent, OwnedBy(live)]);

        await GoneAsync(ns, "orphaned");

        // The reference to the absent owner goes; the one to the live owner stays.
        await ClusterFixture.EventuallyAsync(
            async () => (await TryReadAsync(ns, "kept"))?.Metadata.OwnerReferences is { Count: 1 } refs && refs[0].Uid == live.Metadata.Uid,
            Timeout, () => "the dangling reference was not removed");
    }

    [Fact]
    public async Task A_cluster_scoped_owner_takes_its_namespaced_dependents_with_it()
    {
        var ns = await cluster.CreateNamespaceAsync("gc-cluster");
        var name = "gc-owner-" + Guid.NewGuid().ToString("N")[..8];
        var owner = await Client.SchedulingV1.CreatePriorityClassAsync(new V1PriorityClass { Metadata = new V1ObjectMeta { Name = name }, Value = 10 });
        await ConfigMapAsync(ns, "dep", [new V1OwnerReference { ApiVersion = "scheduling.k8s.io/v1", Kind = "PriorityClass", Name = name, Uid = owner.Metadata.Uid }]);

        // Nothing happens while the owner lives.
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.NotNull(await TryReadAsync(ns, "dep"));

        await Client.SchedulingV1.DeletePriorityClassAsync(name);
        await GoneAsync(ns, "dep");
    }

    [Fact]
    public async Task A_foreground_deletion_is_not_blocked_by_a_dependency_circle()
    {
        var ns = await cluster.CreateNamespaceAsync("gc-circle");
        var a = await ConfigMapAsync(ns, "a");
        var b = await ConfigMapAsync(ns, "b", [OwnedBy(a, block: true)]);
        var c = await ConfigMapAsync(ns, "c", [OwnedBy(b, block: true)]);
        a.Metadata.OwnerReferences = [OwnedBy(c, block: true)];
        a.Metadata.OwnerReferences[0].Controller = true;
        await Client.CoreV1.ReplaceNamespacedConfigMapAsync(a, "a", ns);

        await Client.CoreV1.DeleteNamespacedConfigMapAsync("a", ns, propagationPolicy: "Foreground");
        await GoneAsync(ns, "a");
        await GoneAsync(ns, "b");
        await GoneAsync(ns, "c");
    }
}
