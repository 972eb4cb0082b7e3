using System.Globalization;
using System.Text;

namespace KubeNet.Controllers.Job;

/// <summary>
/// The compressed index sets of Indexed Jobs (indexed_job_utils.go's orderedIntervals): sorted, non-overlapping,
/// non-adjacent intervals, written as "1,3-5,7" in status.completedIndexes and status.failedIndexes.
/// </summary>
internal sealed class OrderedIntervals
{
    private readonly List<(int First, int Last)> _intervals;

    private OrderedIntervals(List<(int First, int Last)> intervals) => _intervals = intervals;

    public static OrderedIntervals Empty => new([]);

    public IReadOnlyList<(int First, int Last)> Intervals => _intervals;

    public int Count => _intervals.Count;

    /// <summary>How many indexes the intervals hold.</summary>
    public int Total => _intervals.Sum(i => i.Last - i.First + 1);

    /// <summary>
    /// parseIndexesFromString: corrupted intervals are skipped, indexes at or beyond <paramref name="completions"/>
    /// are dropped, adjacent intervals merge.
    /// </summary>
    public static OrderedIntervals Parse(string? text, int completions)
    {
        var result = new List<(int First, int Last)>();
        if (string.IsNullOrEmpty(text))
        {
            return new OrderedIntervals(result);
        }

        foreach (var part in text.Split(','))
        {
            var limits = part.Split('-');
            if (!TryAtoi(limits[0], out var first))
            {
                continue;
            }

            if (first >= completions)
            {
                break;
            }

            int last;
            if (limits.Length > 1)
            {
                if (!TryAtoi(limits[1], out last))
                {
                    continue;
                }

                if (last >= completions)
                {
                    last = completions - 1;
                }
            }
            else
            {
                last = first;
            }

            if (result.Count > 0 && result[^1].Last == first - 1)
            {
                result[^1] = (result[^1].First, last);
            }
            else
            {
                result.Add((first, last));
            }
        }

        return new OrderedIntervals(result);
    }

    private static bool TryAtoi(string s, out int value) =>
        int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    /// <summary>withOrderedIndexes: a new set that also holds <paramref name="sortedIndexes"/> (ascending).</summary>
    public OrderedIntervals WithIndexes(IEnumerable<int> sortedIndexes) =>
        Merge(new OrderedIntervals(sortedIndexes.Select(i => (i, i)).ToList()));

    /// <summary>merge: the union of two interval sets.</summary>
    public OrderedIntervals Merge(OrderedIntervals other)
    {
        var result = new List<(int First, int Last)>();
        void Append((int First, int Last) next)
        {
            if (result.Count == 0 || next.First > result[^1].Last + 1)
            {
                result.Add(next);
            }
            else if (result[^1].Last < next.Last)
            {
                result[^1] = (result[^1].First, next.Last);
            }
        }

        int i = 0, j = 0;
        while (i < _intervals.Count && j < other._intervals.Count)
        {
            if (_intervals[i].First < other._intervals[j].First)
            {
                Append(_intervals[i++]);
            }
            else
            {
                Append(other._intervals[j++]);
            }
        }

        while (i < _intervals.Count)
        {
            Append(_intervals[i++]);
        }

        while (j < other._intervals.Count)
        {
            Append(other._intervals[j++]);
        }

        return new OrderedIntervals(result);
    }

    /// <summary>has: binary search for the interval that could hold <paramref name="index"/>.</summary>
    public bool Has(int index)
    {
        int lo = 0, hi = _intervals.Count;
        while (hi > lo)
        {
            var mid = lo + ((hi - lo) / 2);
            if (_intervals[mid].Last >= index)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return hi != _intervals.Count && _intervals[hi].First <= index;
    }

    /// <summary>The status form: "0-2,4", with a two-index interval written as "5,6".</summary>
    public override string ToString()
    {
        var builder = new StringBuilder();
        foreach (var (first, last) in _intervals)
        {
            if (builder.Length > 0)
            {
                builder.Append(',');
            }

            builder.Append(first.ToString(CultureInfo.InvariantCulture));
            if (last > first)
            {
                builder.Append(last == first + 1 ? ',' : '-');
                builder.Append(last.ToString(CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// firstPendingIndexes: the first <paramref name="count"/> indexes below <paramref name="completions"/> not in
    /// <paramref name="nonPending"/>.
    /// </summary>
    public static List<int> FirstPending(OrderedIntervals nonPending, int count, int completions)
    {
        var result = new List<int>(Math.Max(0, count));
        if (count <= 0)
        {
            return result;
        }

        var candidate = 0;
        foreach (var (first, last) in nonPending._intervals)
        {
            for (; candidate < completions && result.Count < count && candidate < first; candidate++)
            {
                result.Add(candidate);
            }

            if (candidate < last + 1)
            {
                candidate = last + 1;
            }
        }

        for (; candidate < completions && result.Count < count; candidate++)
        {
            result.Add(candidate);
        }

        return result;
    }
}
