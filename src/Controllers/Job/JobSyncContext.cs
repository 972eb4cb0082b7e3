using k8s.Models;

namespace KubeNet.Controllers.Job;

/// <summary>syncJobCtx: what one sync of one Job knows and computes.</summary>
internal sealed class JobSyncContext(V1Job job, List<V1Pod> pods)
{
    public V1Job Job { get; set; } = job;

    public List<V1Pod> Pods { get; } = pods;

    public V1JobCondition? FinishedCondition { get; set; }

    public List<V1Pod> ActivePods { get; set; } = [];

    public int Succeeded { get; set; }

    public int Failed { get; set; }

    public OrderedIntervals PrevSucceededIndexes { get; set; } = OrderedIntervals.Empty;

    public OrderedIntervals SucceededIndexes { get; set; } = OrderedIntervals.Empty;

    public OrderedIntervals? FailedIndexes { get; set; }

    public BackoffRecord NewBackoffRecord { get; set; } = new(string.Empty, 0, null);

    public HashSet<string> ExpectedRemovedFinalizers { get; set; } = [];

    public HashSet<string> UncountedSucceeded { get; set; } = [];

    public HashSet<string> UncountedFailed { get; set; } = [];

    public Dictionary<int, V1Pod> PodsWithDelayedDeletionPerIndex { get; set; } = [];

    public int Terminating { get; set; }

    public int Ready { get; set; }
}
