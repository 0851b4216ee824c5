using Npgsql;

namespace CraftFlow.Data.Schema;

/// <summary>A session-level PostgreSQL advisory lock, released on dispose or when the session ends.</summary>
public sealed class AdvisoryLock : IAsyncDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private readonly NpgsqlConnection _connection;
    private readonly long _key;

    private AdvisoryLock(NpgsqlConnection connection, long key)
    {
        _connection = connection;
        _key = key;
    }

    /// <summary>
    /// Polls pg_try_advisory_lock rather than blocking in pg_advisory_lock: a session blocked in a
    /// statement is an open transaction, and CREATE INDEX CONCURRENTLY run by the lock's holder waits
    /// for every open transaction, so a blocked waiter would deadlock with it.
    /// </summary>
    public static async Task<AdvisoryLock> AcquireAsync(
        NpgsqlConnection connection, long key, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
        command.Parameters.AddWithValue("key", key);
        while (!(bool)(await command.ExecuteScalarAsync(cancellationToken))!)
        {
            await Task.Delay(PollInterval, timeProvider, cancellationToken);
        }

        return new AdvisoryLock(connection, key);
    }


    public async ValueTask DisposeAsync()
    {
        if (_connection.State != System.Data.ConnectionState.Open)
        {
            return;
        }

        await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", _connection);
        command.Parameters.AddWithValue("key", _key);
        await command.ExecuteNonQueryAsync();
    }
}
