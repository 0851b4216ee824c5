using CraftFlow.Caching;
using CraftFlow.Tests.Infrastructure;

namespace CraftFlow.Tests.Caching;

internal static class CacheTestHelpers
{
    public static string UniqueKey(string what) => $"test:{what}:{Guid.NewGuid():N}";

    /// <summary>Waits until the cache's own pub/sub heartbeat comes back: from then on it hears other nodes.</summary>
    public static Task WaitForBackplaneAsync(this CraftFlowCache cache)
        => Eventually.UntilAsync(() => Task.FromResult(cache.GetStats()), s => s.BackplaneConnected, TimeSpan.FromSeconds(15), "the invalidation subscription");

    /// <summary>A factory that counts its calls and returns <c>{prefix}-{call number}</c>.</summary>
    public sealed class CountingFactory(string prefix)
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public ValueTask<string> CreateAsync(CancellationToken cancellationToken)
            => ValueTask.FromResult($"{prefix}-{Interlocked.Increment(ref _calls)}");
    }
}
