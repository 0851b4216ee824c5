using CraftFlow.Tests.Infrastructure;

namespace CraftFlow.Tests.Caching;

internal static class CacheTestHelpers
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    public static string UniqueKey(string what) => $"test:{what}:{Guid.NewGuid():N}";

    public static string UniqueTag(string kind) => $"{kind}:{Guid.NewGuid():N}";

    /// <summary>Waits until <paramref name="count"/> connections listen on the backplane: from then on the nodes hear each other.</summary>
    public static Task WaitForBackplaneAsync(this RedisFixture redis, int count)
        => Eventually.UntilAsync(redis.BackplaneSubscribersAsync, n => n >= count, Wait, $"{count} backplane subscriptions");

    /// <summary>A factory that counts its calls and returns <c>{prefix}-{call number}</c>.</summary>
    public sealed class CountingFactory(string prefix)
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public ValueTask<string> CreateAsync(CancellationToken cancellationToken)
            => ValueTask.FromResult($"{prefix}-{Interlocked.Increment(ref _calls)}");
    }
}
