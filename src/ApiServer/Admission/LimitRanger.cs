using k8s.Models;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.ApiServer.Registry;

namespace KubeNet.ApiServer.Admission;

/// <summary>
/// The LimitRanger admission plugin (plugin/pkg/admission/limitranger) for new pods: containers without requests or
/// limits get the namespace's LimitRange defaults (recorded in the kubernetes.io/limit-ranger annotation), then every
/// container (type Container) and the pod as a whole (type Pod) must respect min, max and maxLimitRequestRatio.
/// </summary>
internal sealed class LimitRanger(Func<StorageCache?> cache)
{
    public const string Annotation = "kubernetes.io/limit-ranger";

    private static readonly ResourceInfo LimitRanges = KindCatalog.Find("", "v1", "limitranges")!;

    public ApiError? AdmitPodCreate(V1Pod pod, string ns)
    {
        var ranges = InNamespace(ns);
        if (ranges.Count == 0)
        {
            return null;
        }

        var spec = pod.Spec ??= new V1PodSpec();

        // API defaulting runs before admission upstream: a limit without a request is the request.
        foreach (var c in (spec.Containers ?? []).Concat(spec.InitContainers ?? []))
        {
            if (c.Resources?.Limits is { Count: > 0 } limits)
            {
                var requests = c.Resources.Requests ??= new Dictionary<string, ResourceQuantity>();
                foreach (var (name, limit) in limits)
                {
                    requests.TryAdd(name, limit);
                }
            }
        }

        ApplyDefaults(pod, ranges);
        var errors = new List<string>();
        foreach (var item in ranges.SelectMany(r => r.Spec?.Limits ?? []))
        {
            var defaulted = Defaulted(item);
            if (item.Type == "Container")
            {
                foreach (var c in (spec.Containers ?? []).Concat(spec.InitContainers ?? []))
                {
                    Check(errors, "Container", defaulted, c.Resources?.Requests, c.Resources?.Limits);
                }
            }
            else if (item.Type == "Pod")
            {
                Check(errors, "Pod", defaulted, PodTotals(spec, r => r?.Requests), PodTotals(spec, r => r?.Limits));
            }
        }

        var distinct = errors.Distinct().ToList();
        if (distinct.Count == 0)
        {
            return null;
        }

        var message = distinct.Count == 1 ? distinct[0] : "[" + string.Join(", ", distinct) + "]";
        return ApiError.Forbidden($"pods \"{pod.Metadata?.Name ?? string.Empty}\" is forbidden: {message}");
    }

    private List<V1LimitRange> InNamespace(string ns)
    {
        var result = new List<V1LimitRange>();
        var items = cache()?.Snapshot(LimitRanges).Items;
        if (items is null)
        {
            return result;
        }

        foreach (var stored in ResourceCache.Range(items, KindCatalog.KeyPrefix(LimitRanges) + ns + "/", null))
        {
            if (stored.Object is V1LimitRange range)
            {
                result.Add(range);
            }
        }

        return result;
    }

    private static void ApplyDefaults(V1Pod pod, List<V1LimitRange> ranges)
    {
        var defaultRequests = new Dictionary<string, ResourceQuantity>();
        var defaultLimits = new Dictionary<string, ResourceQuantity>();
        foreach (var item in ranges.SelectMany(r => r.Spec?.Limits ?? []).Where(i => i.Type == "Container"))
        {
            var d = Defaulted(item);
            foreach (var (k, v) in d.DefaultRequest ?? new Dictionary<string, ResourceQuantity>())
            {
                defaultRequests[k] = v;
            }

            foreach (var (k, v) in d.DefaultProperty ?? new Dictionary<string, ResourceQuantity>())
            {
                defaultLimits[k] = v;
            }
        }

        if (defaultRequests.Count == 0 && defaultLimits.Count == 0)
        {
            return;
        }

        var notes = new List<string>();
        var spec = pod.Spec!;
        foreach (var (containers, kind) in new[] { (spec.Containers, "container"), (spec.InitContainers, "init container") })
        {
            foreach (var c in containers ?? [])
            {
                var resources = c.Resources ??= new V1ResourceRequirements();
                var requests = resources.Requests ??= new Dictionary<string, ResourceQuantity>();
                var limits = resources.Limits ??= new Dictionary<string, ResourceQuantity>();
                var setRequests = defaultRequests.Where(d => requests.TryAdd(d.Key, new ResourceQuantity(d.Value.ToString()))).Select(d => d.Key).Order(StringComparer.Ordinal).ToList();
                var setLimits = defaultLimits.Where(d => limits.TryAdd(d.Key, new ResourceQuantity(d.Value.ToString()))).Select(d => d.Key).Order(StringComparer.Ordinal).ToList();
                if (setRequests.Count > 0)
                {
                    notes.Add($"{string.Join(", ", setRequests)} request for {kind} {c.Name}");
                }

                if (setLimits.Count > 0)
                {
                    notes.Add($"{string.Join(", ", setLimits)} limit for {kind} {c.Name}");
                }
            }
        }

        if (notes.Count > 0)
        {
            var meta = pod.Metadata ??= new V1ObjectMeta();
            (meta.Annotations ??= new Dictionary<string, string>())[Annotation] = "LimitRanger plugin set: " + string.Join("; ", notes);
        }
    }

    /// <summary>SetDefaults_LimitRangeItem: default limit from max, default request from the default limit, then from min.</summary>
    private static V1LimitRangeItem Defaulted(V1LimitRangeItem item)
    {
        if (item.Type != "Container")
        {
            return item;
        }

        var defaults = new Dictionary<string, ResourceQuantity>(item.DefaultProperty ?? new Dictionary<string, ResourceQuantity>());
        var defaultRequest = new Dictionary<string, ResourceQuantity>(item.DefaultRequest ?? new Dictionary<string, ResourceQuantity>());
        foreach (var (k, v) in item.Max ?? new Dictionary<string, ResourceQuantity>())
        {
            defaults.TryAdd(k, v);
        }

        foreach (var (k, v) in defaults)
        {
            defaultRequest.TryAdd(k, v);
        }

        foreach (var (k, v) in item.Min ?? new Dictionary<string, ResourceQuantity>())
        {
            defaultRequest.TryAdd(k, v);
        }

        return new V1LimitRangeItem
        {
            Type = item.Type,
            Min = item.Min,
            Max = item.Max,
            MaxLimitRequestRatio = item.MaxLimitRequestRatio,
            DefaultProperty = defaults,
            DefaultRequest = defaultRequest,
        };
    }

    private static void Check(List<string> errors, string type, V1LimitRangeItem item, IDictionary<string, ResourceQuantity>? requests, IDictionary<string, ResourceQuantity>? limits)
    {
        requests ??= new Dictionary<string, ResourceQuantity>();
        limits ??= new Dictionary<string, ResourceQuantity>();
        foreach (var (name, min) in item.Min ?? new Dictionary<string, ResourceQuantity>())
        {
            var hasRequest = requests.TryGetValue(name, out var request);
            var hasLimit = limits.TryGetValue(name, out var limit);
            if (!hasRequest)
            {
                errors.Add($"minimum {name} usage per {type} is {min}.  No request is specified");
            }
            else if (request!.ToDecimal() < min.ToDecimal())
            {
                errors.Add($"minimum {name} usage per {type} is {min}, but request is {request}");
            }
            else if (hasLimit && limit!.ToDecimal() < min.ToDecimal())
            {
                errors.Add($"minimum {name} usage per {type} is {min}, but limit is {limit}");
            }
        }

        foreach (var (name, max) in item.Max ?? new Dictionary<string, ResourceQuantity>())
        {
            var hasRequest = requests.TryGetValue(name, out var request);
            var hasLimit = limits.TryGetValue(name, out var limit);
            if (!hasLimit)
            {
                errors.Add($"maximum {name} usage per {type} is {max}.  No limit is specified");
            }
            else if (limit!.ToDecimal() > max.ToDecimal())
            {
                errors.Add($"maximum {name} usage per {type} is {max}, but limit is {limit}");
            }
            else if (hasRequest && request!.ToDecimal() > max.ToDecimal())
            {
                errors.Add($"maximum {name} usage per {type} is {max}, but request is {request}");
            }
        }

        foreach (var (name, ratio) in item.MaxLimitRequestRatio ?? new Dictionary<string, ResourceQuantity>())
        {
            requests.TryGetValue(name, out var request);
            limits.TryGetValue(name, out var limit);
            if (request is null || request.ToDecimal() == 0)
            {
                errors.Add($"{name} max limit to request ratio per {type} is {ratio}, but no request is specified or request is 0");
            }
            else if (limit is null || limit.ToDecimal() == 0)
            {
                errors.Add($"{name} max limit to request ratio per {type} is {ratio}, but no limit is specified or limit is 0");
            }
            else
            {
                var observed = limit.ToDecimal() / request.ToDecimal();
                if (observed > ratio.ToDecimal())
                {
                    errors.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{name} max limit to request ratio per {type} is {ratio}, but provided ratio is {observed:0.000000}"));
                }
            }
        }
    }

    /// <summary>The pod's total for a Pod-type limit: containers summed, or the largest init container if more.</summary>
    private static Dictionary<string, ResourceQuantity> PodTotals(V1PodSpec spec, Func<V1ResourceRequirements?, IDictionary<string, ResourceQuantity>?> pick)
    {
        var sums = new Dictionary<string, decimal>();
        foreach (var c in spec.Containers ?? [])
        {
            foreach (var (k, v) in pick(c.Resources) ?? new Dictionary<string, ResourceQuantity>())
            {
                sums[k] = sums.GetValueOrDefault(k) + v.ToDecimal();
            }
        }

        foreach (var c in spec.InitContainers ?? [])
        {
            foreach (var (k, v) in pick(c.Resources) ?? new Dictionary<string, ResourceQuantity>())
            {
                sums[k] = Math.Max(sums.GetValueOrDefault(k), v.ToDecimal());
            }
        }

        return sums.ToDictionary(p => p.Key, p => new ResourceQuantity(p.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }
}
