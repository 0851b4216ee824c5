using System.Collections.Concurrent;
using CraftFlow.Data.Entities;
using CraftFlow.Imaging.Duplicates;
using Npgsql;

namespace CraftFlow.Worker.Designs;

/// <summary>
/// Each user's designs as an in-memory <see cref="ArtworkIndex"/> (a scan of a million keys takes about a
/// millisecond), loaded once with one indexed query and brought up to date once per hold of the user's
/// <see cref="UserJudgementLock"/> with the rows changed since (designs other Worker processes recorded, designs
/// deleted). Callers hold that lock, so what the other processes judged before is committed and visible, and nothing
/// more is recorded by them until it is released.
/// </summary>
public sealed class UserArtworkIndexCache(NpgsqlDataSource dataSource, UserJudgementLock judgementLock, TimeProvider timeProvider) : IDisposable
{
    // How far back a refresh reads before its last one: room for clock differences between processes.
    private static readonly TimeSpan ClockAllowance = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<Guid, Lazy<Task<Entry>>> _entries = new();

    /// <summary>The user's index, with every design recorded before the call.</summary>
    public async Task<ArtworkIndex> GetCurrentAsync(Guid userId, CancellationToken cancellationToken)
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

        await entry.Refresh.WaitAsync(cancellationToken);
        try
        {
            // Read once per hold, not once per design judged in it: a refresh reads every row changed in the last
            // minutes, which during an upload is the whole upload.
            var hold = judgementLock.HoldOf(userId);
            if (entry.SyncedHold != hold)
            {
                var since = entry.SyncedAt - ClockAllowance;
                var now = timeProvider.GetUtcNow();
                await ReadAsync(entry.Index, userId, since, cancellationToken);
                (entry.SyncedAt, entry.SyncedHold) = (now, hold);
            }
        }
        finally
        {
            entry.Refresh.Release();
        }

        return entry.Index;
    }

    /// <summary>
    /// The user's index as it is, if this process has loaded it: for a search begun outside the user's lock (see
    /// <see cref="ArtworkIndex.Begin"/>) and finished under it on <see cref="GetCurrentAsync"/>'s index.
    /// </summary>
    public ArtworkIndex? Loaded(Guid userId)
        => _entries.TryGetValue(userId, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully ? lazy.Value.Result.Index : null;

    public void Dispose()
    {
        foreach (var entry in _entries.Values.Where(e => e.IsValueCreated && e.Value.IsCompletedSuccessfully))
        {
            entry.Value.Result.Index.Dispose();
            entry.Value.Result.Refresh.Dispose();
        }

        _entries.Clear();
    }

    private async Task<Entry> LoadAsync(Guid userId, CancellationToken cancellationToken)
    {
        var loadedAt = timeProvider.GetUtcNow();
        var hold = judgementLock.HoldOf(userId);
        var index = new ArtworkIndex();
        await ReadAsync(index, userId, since: null, cancellationToken);
        return new Entry(index) { SyncedAt = loadedAt, SyncedHold = hold };
    }

    /// <summary>
    /// The whole index (idx_design_images_user_artwork covers that query), or the rows changed since a time: those
    /// recorded are added, those deleted removed. A design still being processed has no key yet and is left alone,
    /// since this process may have judged it a moment ago.
    /// </summary>
    private async Task ReadAsync(ArtworkIndex index, Guid userId, DateTimeOffset? since, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(since is null
            ? """
              SELECT id, true, artwork_key, artwork_signature FROM design_images
              WHERE user_id = $1 AND is_active = true AND artwork_key IS NOT NULL
              """
            : """
              SELECT id, is_active, artwork_key, artwork_signature FROM design_images
              WHERE user_id = $1 AND updated_at >= $2
              """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = userId });
        if (since is { } from)
        {
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = from });
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetGuid(0);
            if (!reader.GetBoolean(1))
            {
                index.Remove(id);
            }
            else if (!reader.IsDBNull(2) && !reader.IsDBNull(3))
            {
                // Most rows a refresh reads are the designs this process judged and indexed itself.
                var key = HashBits.FromStored(reader.GetInt64(2));
                var stored = reader.GetFieldValue<byte[]>(3);
                if (!index.Holds(id, key, stored) && ArtworkSignature.FromBytes(key, stored) is { } signature)
                {
                    index.Add(id, signature);
                }
            }
        }
    }

    private sealed class Entry(ArtworkIndex index)
    {
        public ArtworkIndex Index { get; } = index;

        public SemaphoreSlim Refresh { get; } = new(1, 1);

        public DateTimeOffset SyncedAt { get; set; }

        /// <summary>The <see cref="UserJudgementLock.HoldOf"/> of the last read.</summary>
        public long SyncedHold { get; set; }
    }
}
