using System.Globalization;
using FreeRedis;
using Microsoft.Extensions.Logging;

namespace CraftFlow.Caching.Redis;

/// <summary>
/// The Redis tier behind a circuit breaker: values, tag versions (INCR on <c>{prefix}tag:{tag}</c>) and
/// the pub/sub backplane on <c>{prefix}invalidation</c>.
/// <para>
/// Measured with FreeRedis 1.5.5: a killed server fails calls fast (connection refused), but a hung one
/// blocks the calling thread for about a second even with 250 ms socket timeouts, and its "async" methods
/// complete synchronously. So every call runs on the thread pool and is abandoned after
/// <see cref="CachingOptions.RedisTimeout"/>; the first failure opens the circuit, after which no request
/// touches Redis until the background monitor's PING succeeds. FreeRedis also does not resubscribe after
/// the server restarts, so the monitor publishes a heartbeat to itself and resubscribes when it stops
/// arriving.
/// </para>
/// </summary>
internal sealed partial class RedisTier : IAsyncDisposable
{
    // Changes made while Redis was down that must reach it when it returns; beyond this many we give up
    // on exactness (logged) rather than grow without bound.
    private const int MaxPendingChanges = 100_000;

    // Missed heartbeats before the subscription is presumed dead.
    private const int MaxMissedHeartbeats = 3;

    // Longest a shutdown waits for FreeRedis to let go of its connections.
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(2);

    // Longest the monitor waits for FreeRedis to subscribe before carrying on (and retrying later).
    private static readonly TimeSpan SubscribeTimeout = TimeSpan.FromSeconds(2);

    private readonly RedisClient _client;
    private readonly ConnectionStringBuilder _connection;
    private readonly CachingOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly string _channel;
    private readonly string _nodeId = Guid.NewGuid().ToString("N");
    private readonly Lock _gate = new();
    private readonly HashSet<string> _pendingKeyDeletes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _pendingTagBumps = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private IInvalidationListener? _listener;
    private Task _monitor = Task.CompletedTask;
    private Subscription? _subscription;
    private volatile bool _circuitOpen;
    private DateTimeOffset _openedAt;
    private long _errors;
    private int _disposed;
    private long _heartbeatsSent;
    private long _heartbeatsReceived;

    public RedisTier(string connectionString, CachingOptions options, TimeProvider time, ILogger logger)
    {
        _options = options;
        _logger = logger;
        _time = time;
        _channel = options.KeyPrefix + "invalidation";
        var builder = ConnectionStringBuilder.Parse(connectionString);
        builder.ConnectTimeout = options.RedisTimeout;
        builder.ReceiveTimeout = options.RedisTimeout;
        builder.SendTimeout = options.RedisTimeout;

        // Our own code owns the lifetime (DI disposes the cache); no process-exit hooks.
        builder.ExitAutoDisposePool = false;
        _connection = builder;
        _client = new RedisClient(builder);
    }

    /// <summary>False while the circuit is open: reads and writes then use memory only.</summary>
    public bool IsAvailable => !_circuitOpen;

    /// <summary>True when our own heartbeat came back over pub/sub recently: other nodes' invalidations reach us.</summary>
    public bool BackplaneConnected => !_circuitOpen && Interlocked.Read(ref _heartbeatsReceived) > 0
        && Interlocked.Read(ref _heartbeatsSent) - Interlocked.Read(ref _heartbeatsReceived) < MaxMissedHeartbeats;

    public long Errors => Interlocked.Read(ref _errors);

    public string KeyFor(string key) => _options.KeyPrefix + key;

    public string TagKeyFor(string tag) => _options.KeyPrefix + "tag:" + tag;

    public void Start(IInvalidationListener listener)
    {
        _listener = listener;
        _monitor = Task.Run(() => MonitorAsync(_stopping.Token));
    }

    public async Task<(bool Ok, string? Value)> GetAsync(string key, CancellationToken cancellationToken)
        => await ExecuteAsync(client => client.GetAsync(KeyFor(key)), "GET", cancellationToken).ConfigureAwait(false);

    public async Task<bool> SetAsync(string key, string value, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var (ok, _) = await ExecuteAsync(
            async client =>
            {
                await client.SetAsync(KeyFor(key), value, ttl).ConfigureAwait(false);
                return true;
            },
            "SET",
            cancellationToken).ConfigureAwait(false);
        return ok;
    }

    /// <summary>Deletes the key and tells the other nodes to drop their copy; remembered for later when Redis is down.</summary>
    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        var (ok, _) = await ExecuteAsync(
            async client =>
            {
                await client.DelAsync(KeyFor(key)).ConfigureAwait(false);
                await client.PublishAsync(_channel, KeyMessage(key)).ConfigureAwait(false);
                return true;
            },
            "DEL",
            cancellationToken).ConfigureAwait(false);
        if (!ok)
        {
            Remember(_pendingKeyDeletes, key);
        }
    }

    /// <summary>Tells the other nodes to drop their memory copy of a key this node has just written.</summary>
    public async Task PublishKeyChangedAsync(string key, CancellationToken cancellationToken)
        => await ExecuteAsync(client => client.PublishAsync(_channel, KeyMessage(key)), "PUBLISH", cancellationToken).ConfigureAwait(false);

    /// <summary>A key written while Redis was down: its older value in Redis must go when Redis returns.</summary>
    public void RememberStaleKey(string key) => Remember(_pendingKeyDeletes, key);

    /// <summary>INCR of the tag's version, announced to the other nodes. Remembered for later when Redis is down.</summary>
    public async Task<(bool Ok, long Version)> BumpTagAsync(string tag, CancellationToken cancellationToken)
    {
        var (ok, version) = await ExecuteAsync(client => BumpAsync(client, tag), "INCR", cancellationToken).ConfigureAwait(false);
        if (!ok)
        {
            Remember(_pendingTagBumps, tag);
        }

        return (ok, version);
    }

    /// <summary>Current versions of <paramref name="tags"/>; a tag never bumped is version 0.</summary>
    public async Task<(bool Ok, long[] Versions)> GetTagVersionsAsync(string[] tags, CancellationToken cancellationToken)
    {
        var keys = Array.ConvertAll(tags, TagKeyFor);
        var (ok, values) = await ExecuteAsync(client => client.MGetAsync(keys), "MGET", cancellationToken).ConfigureAwait(false);
        if (!ok || values is null)
        {
            return (false, []);
        }

        var versions = new long[tags.Length];
        for (var i = 0; i < versions.Length && i < values.Length; i++)
        {
            versions[i] = long.TryParse(values[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0;
        }

        return (true, versions);
    }

    /// <summary>A live PING (the health check's); a failure opens the circuit.</summary>
    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        if (_circuitOpen)
        {
            return false;
        }

        var (ok, _) = await ExecuteAsync(client => Task.FromResult(client.Ping(null)), "PING", cancellationToken).ConfigureAwait(false);
        return ok;
    }

    public async ValueTask DisposeAsync()
    {
        // The container disposes the cache once per registration it resolves through (the concrete type and ITwoTierCache).
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);

        // FreeRedis calls cannot be cancelled and may block on a dead or hung server: shutting down
        // waits a bounded time for them and then lets them finish on their own.
        try
        {
            await _monitor.WaitAsync(ShutdownTimeout).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or TimeoutException)
        {
            // Stopping, or stuck in a blocking FreeRedis call.
        }

        // FreeRedis 1.5.5 throws from Dispose when a subscription never connected ("Subscription not
        // opened"); nothing useful can be done about it at shutdown.
        var release = Task.Run(() =>
        {
            if (Interlocked.Exchange(ref _subscription, null) is { } subscription)
            {
                DisposeSubscription(subscription);
            }

            DisposeQuietly(_client);
        });
        try
        {
            await release.WaitAsync(ShutdownTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogShutdownSlow(_logger, ShutdownTimeout);
        }
    }

    private async Task<long> BumpAsync(RedisClient client, string tag)
    {
        var version = await client.IncrAsync(TagKeyFor(tag)).ConfigureAwait(false);
        await client.PublishAsync(_channel, TagMessage(tag, version)).ConfigureAwait(false);
        return version;
    }

    private async Task<(bool Ok, T? Value)> ExecuteAsync<T>(Func<RedisClient, Task<T>> operation, string command, CancellationToken cancellationToken)
    {
        if (_circuitOpen)
        {
            return (false, default);
        }

        var state = new CallState();
        try
        {
            return (true, await InvokeAsync(operation, cancellationToken, state).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            state.Abandon();
            throw;
        }
        catch (TimeoutException) when (state.Abandon())
        {
            // The call never left the thread pool's queue: this process is overloaded, Redis is not at
            // fault, so the circuit stays closed. The abandoned call will not run late.
            Interlocked.Increment(ref _errors);
            LogCallNotStarted(_logger, command, _options.RedisTimeout);
            return (false, default);
        }
        catch (Exception exception)
        {
            Interlocked.Increment(ref _errors);
            OpenCircuit(command, exception);
            return (false, default);
        }
    }

    // Runs on the pool (FreeRedis blocks the caller on a hung server) and gives up after RedisTimeout.
    private async Task<T> InvokeAsync<T>(Func<RedisClient, Task<T>> operation, CancellationToken cancellationToken, CallState? state = null)
    {
        var call = Task.Run(() => state is null || state.TryStart() ? operation(_client) : Task.FromResult<T>(default!), CancellationToken.None);
        try
        {
            return await call.WaitAsync(_options.RedisTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch when (!call.IsCompleted)
        {
            // Abandoned: observe its eventual failure so it is not reported as unobserved.
            _ = call.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            throw;
        }
    }

    private sealed record Subscription(RedisClient Client, IDisposable Handle);

    /// <summary>Whether a queued call started before its caller gave up on it; exactly one of the two wins.</summary>
    private sealed class CallState
    {
        private const int Queued = 0;
        private const int Running = 1;
        private const int Abandoned = 2;
        private int _value;

        public bool TryStart() => Interlocked.CompareExchange(ref _value, Running, Queued) == Queued;

        /// <summary>True when the call had not started and now never will.</summary>
        public bool Abandon() => Interlocked.CompareExchange(ref _value, Abandoned, Queued) == Queued;
    }

    private void OpenCircuit(string command, Exception exception)
    {
        lock (_gate)
        {
            if (_circuitOpen)
            {
                return;
            }

            _circuitOpen = true;
            _openedAt = _time.GetUtcNow();
        }

        LogRedisUnavailable(_logger, command, exception.GetType().Name, exception.Message);
    }

    private void Remember(HashSet<string> pending, string item)
    {
        lock (_gate)
        {
            if (pending.Count < MaxPendingChanges)
            {
                pending.Add(item);
                return;
            }
        }

        LogPendingOverflow(_logger, MaxPendingChanges);
    }

    private async Task MonitorAsync(CancellationToken stopping)
    {
        await SubscribeAsync(stopping).ConfigureAwait(false);
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (_circuitOpen)
                {
                    await TryRecoverAsync(stopping).ConfigureAwait(false);
                }
                else
                {
                    await HeartbeatAsync(stopping).ConfigureAwait(false);
                }

                // Wall-clock on purpose: this is about a real socket, not about entry lifetimes.
                await Task.Delay(_options.RedisProbeInterval, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                LogMonitorFailed(_logger, exception);
            }
        }
    }

    private async Task HeartbeatAsync(CancellationToken stopping)
    {
        var sent = Interlocked.Increment(ref _heartbeatsSent);
        var message = string.Create(CultureInfo.InvariantCulture, $"h|{_nodeId}|{sent}");
        var (ok, _) = await ExecuteAsync(client => client.PublishAsync(_channel, message), "PUBLISH", stopping).ConfigureAwait(false);
        if (ok && sent - Interlocked.Read(ref _heartbeatsReceived) > MaxMissedHeartbeats)
        {
            // Redis answers but our subscription is gone (a restart between two calls looks like this):
            // notifications were lost, and tag counters may have started again from zero.
            LogSubscriptionLost(_logger);
            await SubscribeAsync(stopping).ConfigureAwait(false);
            Interlocked.Exchange(ref _heartbeatsReceived, 0);
            Interlocked.Exchange(ref _heartbeatsSent, 0);
            _listener?.OnNotificationsLost();
        }
    }

    private async Task TryRecoverAsync(CancellationToken stopping)
    {
        try
        {
            await InvokeAsync(client => Task.FromResult(client.Ping(null)), stopping).ConfigureAwait(false);
        }
        catch (Exception) when (!stopping.IsCancellationRequested)
        {
            return;
        }

        await SubscribeAsync(stopping).ConfigureAwait(false);
        while (true)
        {
            string[] keys;
            string[] tags;
            lock (_gate)
            {
                if (_pendingKeyDeletes.Count == 0 && _pendingTagBumps.Count == 0)
                {
                    // Close under the same lock that records pending changes, so none slips between.
                    _circuitOpen = false;
                    break;
                }

                keys = [.. _pendingKeyDeletes];
                tags = [.. _pendingTagBumps];
                _pendingKeyDeletes.Clear();
                _pendingTagBumps.Clear();
            }

            if (!await ReplayAsync(keys, tags, stopping).ConfigureAwait(false))
            {
                lock (_gate)
                {
                    _pendingKeyDeletes.UnionWith(keys);
                    _pendingTagBumps.UnionWith(tags);
                }

                return;
            }
        }

        Interlocked.Exchange(ref _heartbeatsReceived, 0);
        Interlocked.Exchange(ref _heartbeatsSent, 0);
        _listener?.OnNotificationsLost();
        LogRedisAvailable(_logger, _time.GetUtcNow() - _openedAt);
    }

    private async Task<bool> ReplayAsync(string[] keys, string[] tags, CancellationToken stopping)
    {
        try
        {
            foreach (var key in keys)
            {
                await InvokeAsync(
                    async client =>
                    {
                        await client.DelAsync(KeyFor(key)).ConfigureAwait(false);
                        return await client.PublishAsync(_channel, KeyMessage(key)).ConfigureAwait(false);
                    },
                    stopping).ConfigureAwait(false);
            }

            foreach (var tag in tags)
            {
                await InvokeAsync(client => BumpAsync(client, tag), stopping).ConfigureAwait(false);
            }

            LogReplayed(_logger, keys.Length, tags.Length);
            return true;
        }
        catch (Exception exception) when (!stopping.IsCancellationRequested)
        {
            LogReplayFailed(_logger, exception.Message);
            return false;
        }
    }

    // Each (re)subscription gets its own FreeRedis client: disposing an old subscription on a shared
    // client unsubscribes the channel for its successor too (measured: 0 receivers afterwards).
    // Subscribe and Dispose are blocking calls on a connection that may be dead, and the monitor must
    // never hang on them (it is what brings the cache back), so both are bounded or left to the pool.
    private async Task SubscribeAsync(CancellationToken stopping)
    {
        if (Interlocked.Exchange(ref _subscription, null) is { } previous)
        {
            _ = Task.Run(() => DisposeSubscription(previous), CancellationToken.None);
        }

        var client = new RedisClient(_connection);
        var subscribing = Task.Run(() => new Subscription(client, client.Subscribe(_channel, OnMessage)), CancellationToken.None);
        try
        {
            _subscription = await subscribing.WaitAsync(SubscribeTimeout, stopping).ConfigureAwait(false);
        }
        catch (Exception exception) when (!stopping.IsCancellationRequested)
        {
            LogSubscribeFailed(_logger, exception.Message);

            // Should it complete later, keep it unless a newer subscription exists; the heartbeat checks it either way.
            _ = subscribing.ContinueWith(
                t =>
                {
                    if (!t.IsCompletedSuccessfully)
                    {
                        _ = t.Exception;
                        DisposeQuietly(client);
                    }
                    else if (Interlocked.CompareExchange(ref _subscription, t.Result, null) is not null)
                    {
                        DisposeSubscription(t.Result);
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.None,
                TaskScheduler.Default);
        }
    }

    private void DisposeSubscription(Subscription subscription)
    {
        DisposeQuietly(subscription.Handle);
        DisposeQuietly(subscription.Client);
    }

    private void DisposeQuietly(IDisposable disposable)
    {
        try
        {
            disposable.Dispose();
        }
        catch (Exception exception)
        {
            LogDisposeFailed(_logger, disposable.GetType().Name, exception.Message);
        }
    }

    // Messages: "h|node|seq" heartbeat, "t|node|version|tag", "k|node|key". Tag and key come last: they may contain '|'.
    private void OnMessage(string channel, object data)
    {
        if (data is not string message || message.Length < 4 || message[1] != '|')
        {
            return;
        }

        var rest = message.AsSpan(2);
        var separator = rest.IndexOf('|');
        if (separator < 0)
        {
            return;
        }

        var fromSelf = rest[..separator].SequenceEqual(_nodeId);
        rest = rest[(separator + 1)..];
        switch (message[0])
        {
            case 'h' when fromSelf:
                if (long.TryParse(rest, NumberStyles.Integer, CultureInfo.InvariantCulture, out var sequence))
                {
                    InterlockedMax(ref _heartbeatsReceived, sequence);
                }

                break;
            case 't' when !fromSelf:
                var versionEnd = rest.IndexOf('|');
                if (versionEnd > 0 && long.TryParse(rest[..versionEnd], NumberStyles.Integer, CultureInfo.InvariantCulture, out var version))
                {
                    _listener?.OnTagVersion(rest[(versionEnd + 1)..].ToString(), version);
                }

                break;
            case 'k' when !fromSelf:
                _listener?.OnKeyChanged(rest.ToString());
                break;
        }
    }

    private static void InterlockedMax(ref long location, long value)
    {
        var current = Interlocked.Read(ref location);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private string KeyMessage(string key) => $"k|{_nodeId}|{key}";

    private string TagMessage(string tag, long version) => string.Create(CultureInfo.InvariantCulture, $"t|{_nodeId}|{version}|{tag}");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis unavailable ({Command} failed: {ErrorType}: {ErrorMessage}); serving from memory until it answers again")]
    private static partial void LogRedisUnavailable(ILogger logger, string command, string errorType, string errorMessage);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis available again after {Downtime}; memory tier cleared")]
    private static partial void LogRedisAvailable(ILogger logger, TimeSpan downtime);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replayed changes made while Redis was down: {Keys} key deletes, {Tags} tag invalidations")]
    private static partial void LogReplayed(ILogger logger, int keys, int tags);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replaying changes made while Redis was down failed ({ErrorMessage}); retrying")]
    private static partial void LogReplayFailed(ILogger logger, string errorMessage);

    [LoggerMessage(Level = LogLevel.Error, Message = "More than {Max} changes made while Redis was down; further ones will not reach Redis")]
    private static partial void LogPendingOverflow(ILogger logger, int max);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cache invalidation subscription lost; resubscribed and cleared the memory tier")]
    private static partial void LogSubscriptionLost(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Subscribing to cache invalidations failed: {ErrorMessage}")]
    private static partial void LogSubscribeFailed(ILogger logger, string errorMessage);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis {Command} not started within {Timeout}: thread pool busy; treated as a miss, circuit left closed")]
    private static partial void LogCallNotStarted(ILogger logger, string command, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Disposing FreeRedis {Type} failed: {ErrorMessage}")]
    private static partial void LogDisposeFailed(ILogger logger, string type, string errorMessage);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Closing the Redis connections took longer than {Timeout}; left to finish in the background")]
    private static partial void LogShutdownSlow(ILogger logger, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Error, Message = "Redis monitor iteration failed")]
    private static partial void LogMonitorFailed(ILogger logger, Exception exception);
}
