using CraftFlow.AppHost.Resources;
using CraftFlow.Caching;
using FreeRedis;
using Microsoft.Extensions.Time.Testing;

namespace CraftFlow.Tests.Caching;

/// <summary>A throwaway redis-server per test class, and a raw FreeRedis client to look inside it.</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "craftflow-cache-tests", Guid.NewGuid().ToString("N"));

    public RedisServer Server { get; private set; } = null!;

    public RedisClient Raw { get; private set; } = null!;

    public string ConnectionString => Server.ConnectionString;

    public async Task InitializeAsync()
    {
        Server = await RedisServer.StartAsync(_directory, persistent: false);
        Raw = new RedisClient(ConnectionString);

        // The first FreeRedis client in the process takes over a second to JIT and connect; with other test
        // classes running on 2 cores that could exceed a test's Redis timeout and open its circuit.
        await using var warmUp = NewCache();
        await warmUp.WaitForBackplaneAsync();
        await warmUp.SetAsync("warm-up", 1);
        await Raw.GetAsync("craftflow:warm-up");
    }

    public async Task DisposeAsync()
    {
        Raw.Dispose();
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory left behind is harmless.
        }
    }

    /// <summary>
    /// A cache on this fixture's Redis. The Redis timeout is generous by default: on a loaded 2-core test
    /// machine a 250 ms timeout would open the circuit now and then and make unrelated tests flaky; the
    /// outage tests set the production value explicitly.
    /// </summary>
    public CraftFlowCache NewCache(Action<CachingOptions>? configure = null, TimeProvider? time = null, bool withRedis = true)
    {
        var options = new CachingOptions { RedisTimeout = TimeSpan.FromSeconds(3), RedisProbeInterval = TimeSpan.FromMilliseconds(200) };
        configure?.Invoke(options);
        return new CraftFlowCache(options, withRedis ? ConnectionString : null, time);
    }

    public static FakeTimeProvider NewClock() => new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
}
