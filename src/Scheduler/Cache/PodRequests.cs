using k8s.Models;

namespace KubeNet.Scheduler.Cache;

/// <summary>
/// A pod's effective requests as component-helpers' PodRequests computes them: regular containers and sidecars
/// (restartable init containers) add up, each ordinary init container runs alone beside the sidecars started before it,
/// the pod needs the larger of the two, and the RuntimeClass overhead comes on top.
/// </summary>
internal static class PodRequests
{
    public static Resource Compute(V1PodSpec spec, out long nonZeroMilliCpu, out long nonZeroMemory)
    {
        var sum = new Resource();
        var nonZero = new NonZero();
        foreach (var container in spec.Containers ?? [])
        {
            var requests = container.Resources?.Requests;
            sum.Add(requests);
            nonZero += NonZero.Of(requests);
        }

        var sidecars = new Resource();
        var sidecarsNonZero = new NonZero();
        var initMax = new Resource();
        var initMaxNonZero = new NonZero();
        foreach (var container in spec.InitContainers ?? [])
        {
            var requests = container.Resources?.Requests;
            var own = Resource.FromList(requests);
            var ownNonZero = NonZero.Of(requests);
            Resource running;
            NonZero runningNonZero;
            if (container.RestartPolicy == "Always")
            {
                sum.Add(own);
                nonZero += ownNonZero;
                sidecars.Add(own);
                sidecarsNonZero += ownNonZero;
                running = sidecars;
                runningNonZero = sidecarsNonZero;
            }
            else
            {
                running = own;
                running.Add(sidecars);
                runningNonZero = ownNonZero + sidecarsNonZero;
            }

            initMax.SetMax(running);
            initMaxNonZero = NonZero.Max(initMaxNonZero, runningNonZero);
        }

        sum.SetMax(initMax);
        nonZero = NonZero.Max(nonZero, initMaxNonZero);
        if (spec.Overhead is { Count: > 0 } overhead)
        {
            sum.Add(overhead);
            nonZero += NonZero.Of(overhead, withDefaults: false);
        }

        nonZeroMilliCpu = nonZero.MilliCpu;
        nonZeroMemory = nonZero.Memory;
        return sum;
    }

    /// <summary>CPU and memory with the scheduler's defaults standing in for requests a container leaves out.</summary>
    private readonly record struct NonZero(long MilliCpu, long Memory)
    {
        public static NonZero Of(IDictionary<string, ResourceQuantity>? requests, bool withDefaults = true)
        {
            long cpu = withDefaults ? Resource.DefaultMilliCpuRequest : 0;
            long memory = withDefaults ? Resource.DefaultMemoryRequest : 0;
            if (requests is not null)
            {
                if (requests.TryGetValue(Resource.Cpu, out var c))
                {
                    cpu = Resource.MilliValue(c);
                }

                if (requests.TryGetValue(Resource.Memory, out var m))
                {
                    memory = Resource.Value(m);
                }
            }

            return new NonZero(cpu, memory);
        }

        public static NonZero Max(NonZero a, NonZero b) => new(Math.Max(a.MilliCpu, b.MilliCpu), Math.Max(a.Memory, b.Memory));

        public static NonZero operator +(NonZero a, NonZero b) => new(a.MilliCpu + b.MilliCpu, a.Memory + b.Memory);
    }
}
