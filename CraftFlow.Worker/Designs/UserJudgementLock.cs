using System.Collections.Concurrent;
using Npgsql;

namespace CraftFlow.Worker.Designs;

/// <summary>
/// A PostgreSQL advisory lock per user around judging and recording designs, so that two near-duplicates judged at
/// the same moment (two jobs in this process or in two Worker processes) cannot both come out originals: the second
/// one judged sees the first, recorded. The lock lives on its own connection and goes with it if the process dies.
/// </summary>
public sealed class UserJudgementLock(NpgsqlDataSource dataSource)
{
    // The first key of pg_advisory_lock(int, int), naming what is locked; the second is drawn from the user id.
    private const int DesignJudgementSpace = 0x5F0D_0001;

    // Per lock key, how many times this process has taken it.
    private readonly ConcurrentDictionary<int, long> _holds = new();

    /// <summary>Waits for the locks of every given user (taken in one order, so two callers never deadlock).</summary>
    public async Task<IAsyncDisposable> AcquireAsync(IEnumerable<Guid> userIds, CancellationToken cancellationToken)
    {
        var keys = userIds.Select(KeyOf).Distinct().Order().ToArray();
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            foreach (int key in keys)
            {
                await using var command = new NpgsqlCommand("SELECT pg_advisory_lock($1, $2)", connection);
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = DesignJudgementSpace });
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = key });
                await command.ExecuteNonQueryAsync(cancellationToken);
                _holds.AddOrUpdate(key, 1, static (_, taken) => taken + 1);
            }

            return new Held(connection);
        }
        catch
        {
            // Closing the session releases whatever it took.
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Which of this process's holds of the user's lock is the latest; it changes with every acquisition. What was read
    /// from the database during a hold stays current while the hold lasts, since no other process records for the user.
    /// </summary>
    public long HoldOf(Guid userId) => _holds.GetValueOrDefault(KeyOf(userId));

    // Two users may share a key (a 32-bit fold of 128 bits): they then wait for each other, which is only slower.
    private static int KeyOf(Guid userId)
    {
        Span<byte> bytes = stackalloc byte[16];
        userId.TryWriteBytes(bytes);
        return BitConverter.ToInt32(bytes) ^ BitConverter.ToInt32(bytes[4..]) ^ BitConverter.ToInt32(bytes[8..]) ^ BitConverter.ToInt32(bytes[12..]);
    }

    private sealed class Held(NpgsqlConnection connection) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", connection);
                await command.ExecuteNonQueryAsync();
            }
            finally
            {
                await connection.DisposeAsync();
            }
        }
    }
}
