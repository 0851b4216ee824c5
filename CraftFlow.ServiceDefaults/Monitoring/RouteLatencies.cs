namespace CraftFlow.ServiceDefaults.Monitoring;

/// <summary>
/// One route's figures: counts since start and its most recent durations in a ring, from which the percentiles
/// are computed when asked (an admin looking, not every request).
/// </summary>
public sealed class RouteLatencies(int capacity)
{
    private readonly double[] _recentMs = new double[capacity];
    private readonly Lock _gate = new();
    private long _count;
    private long _errors;
    private long _slow;

    public void Record(double milliseconds, bool error, bool slow)
    {
        lock (_gate)
        {
            _recentMs[_count % _recentMs.Length] = milliseconds;
            _count++;
            _errors += error ? 1 : 0;
            _slow += slow ? 1 : 0;
        }
    }

    public RouteFigures Read(string route)
    {
        double[] sorted;
        long count, errors, slow;
        lock (_gate)
        {
            count = _count;
            errors = _errors;
            slow = _slow;
            sorted = _recentMs[..(int)Math.Min(count, _recentMs.Length)];
        }

        Array.Sort(sorted);
        return new RouteFigures(route, count, errors, slow, Percentile(sorted, 0.50), Percentile(sorted, 0.95), Percentile(sorted, 0.99));
    }

    /// <summary>Nearest-rank percentile.</summary>
    private static double Percentile(double[] sorted, double quantile) =>
        sorted.Length == 0 ? 0 : Math.Round(sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)], 2);
}

/// <summary>A route's requests since start, and the percentiles of its recent durations.</summary>
public sealed record RouteFigures(string Route, long Requests, long Errors, long SlowRequests, double P50Ms, double P95Ms, double P99Ms);
