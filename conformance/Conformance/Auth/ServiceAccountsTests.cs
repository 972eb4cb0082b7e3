using System.Net;
using System.Threading.Channels;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.Conformance.Framework;

namespace KubeNet.Conformance.Auth;

/// <summary>
/// test/e2e/auth/service_accounts.go, the scenarios that need the API and the controllers but no container runtime:
/// kube-root-ca.crt in every namespace, a ServiceAccount's life through create, watch, patch, list and delete, and a
/// token made through TokenRequest that TokenReview authenticates.
/// </summary>
[Collection(ConformanceCollection.Name)]
public sealed class ServiceAccountsTests(ConformanceCluster cluster)
{
    private const string RootCaConfigMap = "kube-root-ca.crt";
    private static readonly TimeSpan ForeverTestTimeout = TimeSpan.FromSeconds(30);

    private IKubernetes Client => cluster.Client;

    private static async Task PollAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + ForeverTestTimeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, what);
            await Task.Delay(500);
        }
    }

    private async Task<V1ConfigMap?> RootCaAsync(string ns)
    {
        try
        {
            return await Client.CoreV1.ReadNamespacedConfigMapAsync(RootCaConfigMap, ns);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    [Fact(DisplayName = "[sig-auth] ServiceAccounts should guarantee kube-root-ca.crt exist in any namespace [Conformance]")]
    public async Task RootCaConfigMapExists()
    {
        var ns = await cluster.CreateNamespaceAsync("svcaccounts");
        await PollAsync(async () => await RootCaAsync(ns) is not null, "root ca configmap not found");

        await Client.CoreV1.DeleteNamespacedConfigMapAsync(RootCaConfigMap, ns, gracePeriodSeconds: 0);
        await PollAsync(async () => await RootCaAsync(ns) is not null, "root ca configmap was not recreated");

        await Client.CoreV1.ReplaceNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = RootCaConfigMap }, Data = new Dictionary<string, string> { ["ca.crt"] = "" } },
            RootCaConfigMap, ns);
        await PollAsync(async () => (await RootCaAsync(ns))?.Data is { } data && data.TryGetValue("ca.crt", out var ca) && ca.Length > 0,
            "root ca configmap was not reconciled");
    }

    [Fact(DisplayName = "[sig-auth] ServiceAccounts should run through the lifecycle of a ServiceAccount [Conformance]")]
    public async Task ServiceAccountLifecycle()
    {
        var ns = await cluster.CreateNamespaceAsync("svcaccounts");
        const string name = "testserviceaccount";
        const string selector = "test-serviceaccount-static=true";
        var created = await Client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["test-serviceaccount-static"] = "true" } },
        }, ns);
        Assert.Equal(created.Metadata.Uid, (await Client.CoreV1.ReadNamespacedServiceAccountAsync(name, ns)).Metadata.Uid);

        // A watch opened now replays the account as ADDED, then reports the patch and the delete.
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        var events = Channel.CreateUnbounded<WatchEventType>();
        var response = Client.CoreV1.ListNamespacedServiceAccountWithHttpMessagesAsync(ns, labelSelector: selector, watch: true, timeoutSeconds: 180, cancellationToken: stop.Token);
        var pump = Task.Run(async () =>
        {
            try
            {
#pragma warning disable CS0618 // the client's older watch entry point, as programs written against it use it
                await foreach (var (type, _) in response.WatchAsync<V1ServiceAccount, V1ServiceAccountList>(cancellationToken: stop.Token))
#pragma warning restore CS0618
                {
                    await events.Writer.WriteAsync(type);
                }
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
            }
            finally
            {
                events.Writer.TryComplete();
            }
        });

        async Task ExpectAsync(WatchEventType wanted)
        {
            await foreach (var type in events.Reader.ReadAllAsync(stop.Token))
            {
                if (type == wanted)
                {
                    return;
                }
            }

            Assert.Fail($"failed to find {wanted} event");
        }

        await ExpectAsync(WatchEventType.Added);
        await Client.CoreV1.PatchNamespacedServiceAccountAsync(new V1Patch("""{"automountServiceAccountToken":false}""", V1Patch.PatchType.StrategicMergePatch), name, ns);
        await ExpectAsync(WatchEventType.Modified);

        var all = await Client.CoreV1.ListServiceAccountForAllNamespacesAsync(labelSelector: selector);
        Assert.Contains(all.Items, sa => sa.Metadata.Name == name && sa.Metadata.NamespaceProperty == ns && sa.AutomountServiceAccountToken == false);

        await Client.CoreV1.DeleteCollectionNamespacedServiceAccountAsync(ns);
        await ExpectAsync(WatchEventType.Deleted);
        await stop.CancelAsync();
        await pump;
    }

    [Fact(DisplayName = "[sig-auth] ServiceAccounts should update a ServiceAccount [Conformance]")]
    public async Task UpdateServiceAccount()
    {
        var ns = await cluster.CreateNamespaceAsync("svcaccounts");
        var name = "e2e-sa-" + Guid.NewGuid().ToString("N")[..5];
        var created = await Client.CoreV1.CreateNamespacedServiceAccountAsync(
            new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = name }, AutomountServiceAccountToken = false }, ns);
        Assert.False(created.AutomountServiceAccountToken);

        V1ServiceAccount updated;
        for (var attempt = 0; ; attempt++)
        {
            var current = await Client.CoreV1.ReadNamespacedServiceAccountAsync(name, ns);
            current.AutomountServiceAccountToken = true;
            try
            {
                updated = await Client.CoreV1.ReplaceNamespacedServiceAccountAsync(current, name, ns);
                break;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict && attempt < 5)
            {
            }
        }

        Assert.True(updated.AutomountServiceAccountToken);
    }

    [Fact(DisplayName = "[sig-auth] ServiceAccounts should create a serviceAccountToken and ensure a successful TokenReview [Conformance]")]
    public async Task TokenRequestThenTokenReview()
    {
        var ns = await cluster.CreateNamespaceAsync("svcaccounts");
        var name = "e2e-sa-" + Guid.NewGuid().ToString("N")[..5];
        await Client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = name } }, ns);

        var response = await Client.CoreV1.CreateNamespacedServiceAccountTokenAsync(new Authenticationv1TokenRequest(), name, ns);
        Assert.False(string.IsNullOrEmpty(response.Status?.Token), "confirm that a Token has been created");

        var review = await Client.AuthenticationV1.CreateTokenReviewAsync(new V1TokenReview { Spec = new V1TokenReviewSpec { Token = response.Status!.Token } });
        Assert.True(review.Status.Authenticated);
        Assert.True(string.IsNullOrEmpty(review.Status.Error), review.Status.Error);
    }
}
