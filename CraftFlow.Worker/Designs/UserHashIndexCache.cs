using System.Collections.Concurrent;
using CraftFlow.Data.Entities;
using CraftFlow.Imaging.Duplicates;
using Npgsql;

namespace CraftFlow.Worker.Designs;

/// <summary>
/// Each user's hashed designs as an in-memory <see cref="HashIndex"/> (an exact scan of a million hashes
/// takes about a millisecond), loaded with one indexed query and kept briefly: an upload of dozens of
/// designs searches the same index dozens of times. Designs this process hashes are added as it goes;
/// ones another worker hashes show up at the next load, at most <see cref="Lifetime"/> later.
/// </summary>
public sealed class UserHashIndexCache(NpgsqlDataSource dataSource, TimeProvider timeProvider) : IDisposable
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<Guid, Lazy<Task<Entry>>> _entries = new();

    public async Task<HashIndex> GetAsync(Guid userId, CancellationToken cancellationToken)
    {
        while (true)
        {
            var lazy = _entries.GetOrAdd(userId, id => new Lazy<Task<Entry>>(() => LoadAsync(id, CancellationToken.None)));
            Entry entry;
            try
            {
                entry = await lazy.Value.WaitAsync(cancellationToken);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                _entries.TryRemove(new KeyValuePair<Guid, Lazy<Task<Entry>>>(userId, lazy));
                throw;
            }

            if (timeProvider.GetUtcNow() - entry.LoadedAt < Lifetime)
            {
                return entry.Index;
            }

            // Stale: drop it (unless another caller already did) and load afresh. The old index is left to the
            // GC rather than disposed, since a concurrent search may still hold it.
            _entries.TryRemove(new KeyValuePair<Guid, Lazy<Task<Entry>>>(userId, lazy));
        }
    }

    public void Dispose()
    {
        foreach (var entry in _entries.Values.Where(e => e.IsValueCreated && e.Value.IsCompletedSuccessfully))
        {
            entry.Value.Result.Index.Dispose();
        }

        _entries.Clear();
    }

    private async Task<Entry> LoadAsync(Guid userId, CancellationToken cancellationToken)
    {
        var loadedAt = timeProvider.GetUtcNow();
        var index = new HashIndex();
        // idx_design_images_user_active_hashes covers exactly this predicate.
        await using var command = dataSource.CreateCommand("""
            SELECT id, ahash, phash, dhash, whash
            FROM design_images
            WHERE user_id = $1 AND is_active = true AND phash IS NOT NULL
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = userId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            index.Add(reader.GetGuid(0), new CraftFlow.Imaging.Duplicates.DesignHashes(
                Bits(reader, 1), HashBits.FromStored(reader.GetInt64(2)), Bits(reader, 3), Bits(reader, 4)));
        }

        return new Entry(index, loadedAt);
    }

    private static ulong Bits(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? 0 : HashBits.FromStored(reader.GetInt64(ordinal));

    private sealed record Entry(HashIndex Index, DateTimeOffset LoadedAt);
}
