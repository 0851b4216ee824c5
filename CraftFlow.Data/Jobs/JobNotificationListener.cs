using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CraftFlow.Data.Jobs;

/// <summary>
/// Holds one LISTEN connection per process and wakes the consumers of the queue a NOTIFY names. If the connection
/// drops, notifications sent meanwhile are lost, so after reconnecting every consumer is woken to look once; the
/// consumers' poll interval covers the time spent disconnected.
/// </summary>
public sealed partial class JobNotificationListener(NpgsqlDataSource dataSource, TimeProvider timeProvider, ILogger<JobNotificationListener> logger)
{
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<WakeSignal, byte>> _subscribers = new(StringComparer.Ordinal);

    private volatile bool _isListening;

    /// <summary>True while the LISTEN connection is up; tests wait for it before relying on NOTIFY.</summary>
    public bool IsListening => _isListening;

    public IDisposable Subscribe(string queue, WakeSignal signal)
    {
        var signals = _subscribers.GetOrAdd(queue, _ => new ConcurrentDictionary<WakeSignal, byte>());
        signals[signal] = 0;
        return new Subscription(() => signals.TryRemove(signal, out _));
    }

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) => Wake(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {JobQueue.NotificationChannel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                // Anything sent while we were not listening is lost: every consumer looks once.
                WakeAll();
                _isListening = true;
                LogListening(logger, JobQueue.NotificationChannel);
                while (true)
                {
                    // A silent connection could be dead (no TCP reset behind a NAT): probe it now and then.
                    if (!await connection.WaitAsync(ProbeInterval, stoppingToken))
                    {
                        await using var probe = new NpgsqlCommand("SELECT 1", connection);
                        await probe.ExecuteScalarAsync(stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or IOException or TimeoutException)
            {
                _isListening = false;
                LogListenFailed(logger, ex, ReconnectDelay.TotalSeconds);
                try
                {
                    await Task.Delay(ReconnectDelay, timeProvider, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            finally
            {
                _isListening = false;
            }
        }
    }

    /// <summary>Wakes a queue's consumers in this process directly, e.g. when it enqueued a job itself.</summary>
    public void Wake(string queue)
    {
        if (_subscribers.TryGetValue(queue, out var signals))
        {
            foreach (var signal in signals.Keys)
            {
                signal.Set();
            }
        }
    }

    private void WakeAll()
    {
        foreach (var queue in _subscribers.Keys)
        {
            Wake(queue);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening for job notifications on channel {Channel}")]
    private static partial void LogListening(ILogger logger, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job notification connection failed; reconnecting in {DelaySeconds} s, consumers poll meanwhile")]
    private static partial void LogListenFailed(ILogger logger, Exception exception, double delaySeconds);

    private sealed class Subscription(Action unsubscribe) : IDisposable
    {
        public void Dispose() => unsubscribe();
    }
}
