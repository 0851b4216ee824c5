using CraftFlow.Data.Entities;
using CraftFlow.Imaging.Duplicates;
using Npgsql;

namespace CraftFlow.Api.Designs;

/// <summary>
/// The designs one artwork relates to among all of the user's active designs, by the Worker's rule
/// (<see cref="DuplicateJudge"/>). PostgreSQL narrows them with the judge's own first condition, the key distance,
/// over idx_design_images_user_artwork (exact: no "recent N" shortcut), plus the same bytes; the judge decides.
/// </summary>
public sealed class DuplicateQueries(NpgsqlDataSource dataSource)
{
    private readonly DuplicateRules _rules = DuplicateRules.Default;

    /// <param name="artwork">The query's signature; null for a design not analysed yet, which then matches only byte for byte.</param>
    /// <returns>Exact copies, then duplicates and mirror images, then colour variants; closest first within each.</returns>
    public async Task<List<(DuplicateMatch Match, DesignRelation Relation)>> FindAsync(
        Guid userId, string sha256, ArtworkSignature? artwork, ImagehashValues hashes, Guid? excludeId, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT id, title, sha256 = @sha AS exact, artwork_key, artwork_signature,
                   bit_count((phash # @phash)::bit(64)), bit_count((dhash # @dhash)::bit(64)),
                   bit_count((ahash # @ahash)::bit(64)), bit_count((whash # @whash)::bit(64))
            FROM design_images
            WHERE user_id = @user AND is_active = true AND id <> @exclude
              AND (sha256 = @sha
                   OR (@key IS NOT NULL AND artwork_key IS NOT NULL AND bit_count((artwork_key # @key)::bit(64)) <= @key_distance))
            """;
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("user", userId);
        command.Parameters.AddWithValue("sha", sha256);
        command.Parameters.AddWithValue("exclude", excludeId ?? Guid.Empty);
        long? key = artwork is { IsBlank: false } ? HashBits.ToStored(artwork.Key) : null;
        command.Parameters.Add(new NpgsqlParameter<long?>("key", key) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.AddWithValue("key_distance", (long)_rules.KeyDistance);
        command.Parameters.Add(new NpgsqlParameter<long?>("phash", hashes.Phash) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter<long?>("dhash", hashes.Dhash) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter<long?>("ahash", hashes.Ahash) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter<long?>("whash", hashes.Whash) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });

        var query = artwork is null ? null : new ArtworkQuery(artwork);
        var matches = new List<(DuplicateMatch Match, DesignRelation Relation)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            DesignRelation relation;
            int distance;
            if (reader.GetBoolean(2))
            {
                (relation, distance) = (DesignRelation.Exact, 0);
            }
            else if (query is not null && !reader.IsDBNull(4)
                && ArtworkSignature.FromBytes(HashBits.FromStored(reader.GetInt64(3)), reader.GetFieldValue<byte[]>(4)) is { } stored
                && DuplicateJudge.Judge(query, stored, _rules) is { } judged)
            {
                (relation, distance) = (judged.Relation, judged.Distance);
            }
            else
            {
                continue;
            }

            matches.Add((new DuplicateMatch(
                reader.GetGuid(0), reader.GetString(1), relation.ToName(), distance, relation == DesignRelation.Exact,
                Distance(reader, 5), Distance(reader, 6), Distance(reader, 7), Distance(reader, 8)), relation));
        }

        return [.. matches.OrderBy(m => m.Relation).ThenBy(m => m.Match.Distance).ThenBy(m => m.Match.DesignId)];
    }

    // A design not hashed yet has no distance; -1 says so without a nullable in every client.
    private static int Distance(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? -1 : (int)reader.GetInt64(ordinal);
}

/// <summary>The four imagehash-compatible hashes as stored (null for a design not hashed yet).</summary>
public readonly record struct ImagehashValues(long? Phash, long? Dhash, long? Ahash, long? Whash);
