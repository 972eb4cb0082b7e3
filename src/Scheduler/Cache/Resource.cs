using k8s.Models;

namespace KubeNet.Scheduler.Cache;

/// <summary>
/// Compute resources as the scheduler counts them: milli-CPU, bytes, a pod count and scalar resources (extended
/// resources, hugepages), all as integers so filters compare without parsing quantities.
/// </summary>
internal sealed class Resource
{
    public const string Cpu = "cpu";
    public const string Memory = "memory";
    public const string EphemeralStorage = "ephemeral-storage";
    public const string Pods = "pods";

    /// <summary>CPU a container without a request counts as when scoring (upstream DefaultMilliCPURequest).</summary>
    public const long DefaultMilliCpuRequest = 100;

    /// <summary>Memory a container without a request counts as when scoring (upstream DefaultMemoryRequest, 200 MiB).</summary>
    public const long DefaultMemoryRequest = 200L * 1024 * 1024;

    public long MilliCpu { get; set; }

    public long MemoryBytes { get; set; }

    public long EphemeralStorageBytes { get; set; }

    public long AllowedPodNumber { get; set; }

    public Dictionary<string, long>? Scalars { get; set; }

    public bool IsZero => MilliCpu == 0 && MemoryBytes == 0 && EphemeralStorageBytes == 0 && (Scalars is null || Scalars.Values.All(v => v == 0));

    public static Resource FromList(IDictionary<string, ResourceQuantity>? list)
    {
        var r = new Resource();
        r.Add(list);
        return r;
    }

    public long Scalar(string name) => Scalars is not null && Scalars.TryGetValue(name, out var v) ? v : 0;

    /// <summary>The amount of <paramref name="name"/> in the unit the scheduler compares (milli-CPU, otherwise whole units).</summary>
    public long Get(string name) => name switch
    {
        Cpu => MilliCpu,
        Memory => MemoryBytes,
        EphemeralStorage => EphemeralStorageBytes,
        Pods => AllowedPodNumber,
        _ => Scalar(name),
    };

    public void Add(IDictionary<string, ResourceQuantity>? list)
    {
        if (list is null)
        {
            return;
        }

        foreach (var (name, quantity) in list)
        {
            switch (name)
            {
                case Cpu:
                    MilliCpu += MilliValue(quantity);
                    break;
                case Memory:
                    MemoryBytes += Value(quantity);
                    break;
                case EphemeralStorage:
                    EphemeralStorageBytes += Value(quantity);
                    break;
                case Pods:
                    AllowedPodNumber += Value(quantity);
                    break;
                default:
                    if (IsScalarResourceName(name))
                    {
                        AddScalar(name, Value(quantity));
                    }

                    break;
            }
        }
    }

    public void Add(Resource other, long sign = 1)
    {
        MilliCpu += sign * other.MilliCpu;
        MemoryBytes += sign * other.MemoryBytes;
        EphemeralStorageBytes += sign * other.EphemeralStorageBytes;
        AllowedPodNumber += sign * other.AllowedPodNumber;
        if (other.Scalars is not null)
        {
            foreach (var (name, value) in other.Scalars)
            {
                AddScalar(name, sign * value);
            }
        }
    }

    /// <summary>Raises each resource to at least <paramref name="other"/>'s amount.</summary>
    public void SetMax(Resource other)
    {
        MilliCpu = Math.Max(MilliCpu, other.MilliCpu);
        MemoryBytes = Math.Max(MemoryBytes, other.MemoryBytes);
        EphemeralStorageBytes = Math.Max(EphemeralStorageBytes, other.EphemeralStorageBytes);
        if (other.Scalars is not null)
        {
            foreach (var (name, value) in other.Scalars)
            {
                Scalars ??= new Dictionary<string, long>(StringComparer.Ordinal);
                Scalars[name] = Math.Max(Scalar(name), value);
            }
        }
    }

    public void AddScalar(string name, long value)
    {
        Scalars ??= new Dictionary<string, long>(StringComparer.Ordinal);
        Scalars[name] = Scalar(name) + value;
    }

    public Resource Clone() => new()
    {
        MilliCpu = MilliCpu,
        MemoryBytes = MemoryBytes,
        EphemeralStorageBytes = EphemeralStorageBytes,
        AllowedPodNumber = AllowedPodNumber,
        Scalars = Scalars is null ? null : new Dictionary<string, long>(Scalars, StringComparer.Ordinal),
    };

    /// <summary>Extended resources (domain/name outside kubernetes.io), hugepages-* and attachable-volumes-*, as schedutil.IsScalarResourceName.</summary>
    public static bool IsScalarResourceName(string name) =>
        name.StartsWith("hugepages-", StringComparison.Ordinal)
        || name.StartsWith("attachable-volumes-", StringComparison.Ordinal)
        || (name.Contains('/', StringComparison.Ordinal) && !name.StartsWith("requests.", StringComparison.Ordinal));

    /// <summary>An extended resource: a domain-prefixed name outside kubernetes.io.</summary>
    public static bool IsExtendedResourceName(string name) =>
        name.Contains('/', StringComparison.Ordinal)
        && !name.Contains("kubernetes.io/", StringComparison.Ordinal)
        && !name.StartsWith("requests.", StringComparison.Ordinal);

    public static long MilliValue(ResourceQuantity quantity) => Ceiling(quantity.ToDecimal() * 1000m);

    public static long Value(ResourceQuantity quantity) => Ceiling(quantity.ToDecimal());

    private static long Ceiling(decimal value) => value >= long.MaxValue ? long.MaxValue : (long)Math.Ceiling(value);
}
