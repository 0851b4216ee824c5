using CraftFlow.AppHost.Resources;
using StackExchange.Redis;

namespace CraftFlow.Tests.Caching;

/// <summary>A throwaway redis-server per test class, and a raw client to look inside it.</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "craftflow-cache-tests", Guid.NewGuid().ToString("N"));
    private ConnectionMultiplexer? _raw;

    public RedisServer Server { get; private set; } = null!;

    /// <summary>The server's keys as Redis stores them, through a connection of the test's own (not a cache's).</summary>
    public IDatabase Raw => (_raw ??= ConnectionMultiplexer.Connect($"{ConnectionString},abortConnect=false,connectTimeout=2000")).GetDatabase();

    public string ConnectionString => Server.ConnectionString;

    public async Task InitializeAsync()
    {
        Server = await RedisServer.StartAsync(_directory, persistent: false);

        // The first cache in the process JITs FusionCache and SE.Redis: not inside a test's timing.
        await using var warmUp = await NewCacheAsync();
        await warmUp.Cache.SetAsync("warm-up", 1);
    }

    public async Task DisposeAsync()
    {
        if (_raw is not null)
        {
            await _raw.DisposeAsync();
        }

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
    /// A started cache node (its own container, memory tier and Redis connection, like another process) on this
    /// fixture's Redis. The Redis timeout is generous by default: on a loaded 2-core test machine 250 ms is exceeded
    /// now and then, and unrelated tests would see misses; the outage tests set the production value explicitly.
    /// </summary>
    public Task<CacheNode> NewCacheAsync(Action<Dictionary<string, string?>>? configure = null, bool withRedis = true)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Caching:RedisTimeout"] = "00:00:03",
            ["Caching:RedisProbeInterval"] = "00:00:00.200",
            ["Caching:AutoRecoveryDelay"] = "00:00:00.500",
        };
        if (withRedis)
        {
            settings["ConnectionStrings:cache"] = ConnectionString;
        }

        configure?.Invoke(settings);
        return CacheNode.StartAsync(settings);
    }

    /// <summary>The name under which Redis holds a cache key (FusionCache's wire-format version, then CraftFlow's prefix).</summary>
    public static string RedisKey(string key) => "v2:craftflow:" + key;

    /// <summary>How many connections listen on the cache's backplane channel.</summary>
    public async Task<long> BackplaneSubscribersAsync()
    {
        try
        {
            var server = Raw.Multiplexer.GetServers()[0];
            var channels = await server.SubscriptionChannelsAsync(RedisChannel.Pattern("craftflow*"));
            long subscribers = 0;
            foreach (var channel in channels)
            {
                subscribers += await server.SubscriptionSubscriberCountAsync(channel);
            }

            return subscribers;
        }
        catch (RedisException exception)
        {
            // Our own connection is still finding a restarted server.
            Console.WriteLine($"backplane subscribers unknown: {exception.Message}");
            return 0;
        }
    }
}
