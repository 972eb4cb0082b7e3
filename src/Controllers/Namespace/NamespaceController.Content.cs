using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.Controllers.Discovery;

namespace KubeNet.Controllers.Namespace;

/// <summary>namespacedResourcesDeleter.deleteAllContent and the status conditions it keeps on the namespace.</summary>
public sealed partial class NamespaceController
{
    // Items that still carry finalizers get this much time before the next look (finalizerEstimateSeconds).
    private const long FinalizerEstimateSeconds = 15;

    private static readonly string[] ConditionTypes =
    [
        "NamespaceDeletionDiscoveryFailure",
        "NamespaceDeletionGroupVersionParsingFailure",
        "NamespaceDeletionContentFailure",
        "NamespaceContentRemaining",
        "NamespaceFinalizersRemaining",
    ];

    private static readonly Dictionary<string, (string Reason, string Message)> OkConditions = new()
    {
        ["NamespaceDeletionDiscoveryFailure"] = ("ResourcesDiscovered", "All resources successfully discovered"),
        ["NamespaceDeletionGroupVersionParsingFailure"] = ("ParsedGroupVersions", "All legacy kube types successfully parsed"),
        ["NamespaceDeletionContentFailure"] = ("ContentDeleted", "All content successfully deleted, may be waiting on finalization"),
        ["NamespaceContentRemaining"] = ("ContentRemoved", "All content successfully removed"),
        ["NamespaceFinalizersRemaining"] = ("ContentRemoved", "All content successfully removed"),
    };

    /// <summary>
    /// Deletes every namespaced resource of the namespace and reports what remains in the status conditions. Answers
    /// an estimate in seconds of how long the remaining content needs (0: nothing left); throws when deletes failed.
    /// </summary>
    private async Task<long> DeleteAllContentAsync(V1Namespace ns, CancellationToken ct)
    {
        var name = ns.Metadata.Name;
        var failures = new List<V1NamespaceCondition>();
        var errors = new List<string>();
        DiscoveryResult discovery;
        try
        {
            discovery = await DiscoverAsync(ct);
        }
        catch (HttpRequestException ex)
        {
            discovery = new DiscoveryResult([], [], []);
            failures.Add(Failed("NamespaceDeletionDiscoveryFailure", "DiscoveryFailed", ex.Message));
            errors.Add(ex.Message);
        }

        if (discovery.FailedGroupVersions.Count > 0)
        {
            var message = $"Discovery failed for some groups, {discovery.FailedGroupVersions.Count} failing: unable to retrieve the complete list of server APIs: "
                + string.Join(", ", discovery.FailedGroupVersions.Select(gv => gv + ": the server is currently unable to handle the request"));
            failures.Add(Failed("NamespaceDeletionDiscoveryFailure", "DiscoveryFailed", message));
            errors.Add(message);
        }

        var estimate = 0L;
        var remainingByResource = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var remainingByFinalizer = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var contentErrors = new List<string>();
        foreach (var resource in discovery.Preferred.Where(r => r.Namespaced && r.Supports("delete")))
        {
            try
            {
                var (resourceEstimate, items) = await DeleteResourceAsync(resource, name, ct);
                if (items.Count == 0)
                {
                    // Upstream waits out the grace period estimated beforehand even when nothing is left; this does not.
                    continue;
                }

                estimate = Math.Max(estimate, resourceEstimate);

                remainingByResource[$"{resource.Resource}.{resource.Group}"] = items.Count;
                var withFinalizers = 0;
                foreach (var finalizer in items.SelectMany(i => i.Finalizers ?? []))
                {
                    remainingByFinalizer[finalizer] = remainingByFinalizer.GetValueOrDefault(finalizer) + 1;
                    withFinalizers++;
                }

                if (withFinalizers > 0)
                {
                    estimate = Math.Max(estimate, FinalizerEstimateSeconds);
                }
                else if (resourceEstimate == 0)
                {
                    contentErrors.Add($"unexpected items still remain in namespace: {name} for gvr: {resource.Group}/{resource.Version}, Resource={resource.Resource}");
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or HttpOperationException or IOException or System.Text.Json.JsonException)
            {
                contentErrors.Add(ex.Message);
            }
        }

        if (remainingByResource.Count > 0)
        {
            failures.Add(new V1NamespaceCondition
            {
                Type = "NamespaceContentRemaining", Status = "True", Reason = "SomeResourcesRemain",
                Message = "Some resources are remaining: " + string.Join(", ", remainingByResource.Select(kv => $"{kv.Key} has {kv.Value} resource instances")),
            });
        }

        if (remainingByFinalizer.Count > 0)
        {
            failures.Add(new V1NamespaceCondition
            {
                Type = "NamespaceFinalizersRemaining", Status = "True", Reason = "SomeFinalizerRemain",
                Message = "Some finalizers are remaining: " + string.Join(", ", remainingByFinalizer.Select(kv => $"{kv.Key} in {kv.Value} resource instances")),
            });
        }

        if (contentErrors.Count > 0)
        {
            contentErrors.Sort(StringComparer.Ordinal);
            failures.Add(Failed("NamespaceDeletionContentFailure", "ContentDeletionFailed",
                $"Failed to delete all resource types, {contentErrors.Count} remaining: {string.Join(", ", contentErrors)}"));
            errors.AddRange(contentErrors);
        }

        await UpdateConditionsAsync(ns, failures, ct);
        if (errors.Count > 0)
        {
            throw new ContentDeletionException(string.Join("; ", errors));
        }

        return estimate;
    }

    /// <summary>One resource: delete the collection (or each item), then list what is left.</summary>
    private async Task<(long Estimate, IReadOnlyList<V1ObjectMeta> Remaining)> DeleteResourceAsync(ApiResource resource, string ns, CancellationToken ct)
    {
        var estimate = resource is { Group: "", Resource: "pods" } ? await EstimatePodTerminationAsync(ns, ct) : 0;

        // Background: the namespace controller empties the namespace itself and wants no orphan finalizers.
        var background = new V1DeleteOptions { PropagationPolicy = "Background" };
        var deleted = false;
        if (resource.Supports("deletecollection"))
        {
            var code = await _rest.DeleteAsync(resource.CollectionPath(ns), background, ct);
            if (code is HttpStatusCode.Conflict)
            {
                throw new HttpRequestException($"deleting {resource} in {ns}: 409", null, code);
            }

            deleted = code is not (HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotFound);
        }

        if (!deleted && resource.Supports("list"))
        {
            foreach (var item in await _rest.ListMetadataAsync(resource, ns, ct))
            {
                await _rest.DeleteAsync(resource.ObjectPath(ns, item.Name), background, ct);
            }
        }

        return resource.Supports("list") ? (estimate, await _rest.ListMetadataAsync(resource, ns, ct)) : (estimate, []);
    }

    /// <summary>estimateGracefulTerminationForPods: the longest grace period among pods that have not finished.</summary>
    private async Task<long> EstimatePodTerminationAsync(string ns, CancellationToken ct)
    {
        var pods = await _client.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: ct);
        return pods.Items
            .Where(p => p.Status?.Phase is not ("Succeeded" or "Failed"))
            .Select(p => p.Spec?.TerminationGracePeriodSeconds ?? 0)
            .DefaultIfEmpty(0)
            .Max();
    }

    /// <summary>Sets each condition this controller owns: the failure found, or its "all is well" form.</summary>
    private async Task UpdateConditionsAsync(V1Namespace ns, List<V1NamespaceCondition> failures, CancellationToken ct)
    {
        var status = ns.Status ??= new V1NamespaceStatus();
        var conditions = status.Conditions ??= [];
        var changed = false;
        var now = TruncatedNow();
        foreach (var type in ConditionTypes)
        {
            var wanted = failures.FirstOrDefault(c => c.Type == type)
                ?? new V1NamespaceCondition { Type = type, Status = "False", Reason = OkConditions[type].Reason, Message = OkConditions[type].Message };
            var existing = conditions.FirstOrDefault(c => c.Type == type);
            if (existing is null)
            {
                wanted.LastTransitionTime = now;
                conditions.Add(wanted);
                changed = true;
            }
            else if (existing.Status != wanted.Status || existing.Reason != wanted.Reason || existing.Message != wanted.Message)
            {
                if (existing.Status != wanted.Status)
                {
                    existing.LastTransitionTime = now;
                }

                (existing.Status, existing.Reason, existing.Message) = (wanted.Status, wanted.Reason, wanted.Message);
                changed = true;
            }
        }

        if (!changed)
        {
            return;
        }

        try
        {
            var updated = await _client.CoreV1.ReplaceNamespaceStatusAsync(ns, ns.Metadata.Name, cancellationToken: ct);
            ns.Metadata.ResourceVersion = updated.Metadata.ResourceVersion;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            // The next pass writes them again from a fresh read.
        }
    }

    private static V1NamespaceCondition Failed(string type, string reason, string message)
        => new() { Type = type, Status = "True", Reason = reason, Message = message };

    private static DateTime TruncatedNow()
    {
        var now = DateTime.UtcNow;
        return new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
    }
}
