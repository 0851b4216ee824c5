using CraftFlow.Imaging.Duplicates;
using Npgsql;

namespace CraftFlow.Api.Designs;

/// <summary>
/// The near-duplicates of one design among all of the user's active designs, computed in
/// PostgreSQL with bit_count over XORed hashes: exact (no "recent N" shortcut), one index range scan.
/// </summary>
public sealed class DuplicateQueries(NpgsqlDataSource dataSource)
{
    // The Worker's thresholds (measured on the imagehash fixtures), so the API and the Worker agree.
    private readonly int _phashThreshold = DuplicateThresholds.Default.Perceptual ?? 0;
    private readonly int _dhashThreshold = DuplicateThresholds.Default.Difference ?? 0;

    public async Task<List<DuplicateMatch>> FindAsync(
        Guid userId, string sha256, long? phash, long? dhash, long? ahash, long? whash, Guid? excludeId, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT id, title, sha256 = @sha AS exact,
                   bit_count((phash # @phash)::bit(64)), bit_count((dhash # @dhash)::bit(64)),
                   bit_count((ahash # @ahash)::bit(64)), bit_count((whash # @whash)::bit(64))
            FROM design_images
            WHERE user_id = @user AND is_active = true AND id <> @exclude
              AND (sha256 = @sha
                   OR (phash IS NOT NULL AND @phash IS NOT NULL AND (bit_count((phash # @phash)::bit(64)) <= @pt
                                                                OR bit_count((dhash # @dhash)::bit(64)) <= @dt)))
            ORDER BY exact DESC, 4, id
            """;
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("user", userId);
        command.Parameters.AddWithValue("sha", sha256);
        command.Parameters.AddWithValue("exclude", excludeId ?? Guid.Empty);
        command.Parameters.Add(new NpgsqlParameter<long?>("phash", phash) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter<long?>("dhash", dhash) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter<long?>("ahash", ahash) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter<long?>("whash", whash) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.AddWithValue("pt", (long)_phashThreshold);
        command.Parameters.AddWithValue("dt", (long)_dhashThreshold);

        var matches = new List<DuplicateMatch>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            matches.Add(new DuplicateMatch(
                reader.GetGuid(0), reader.GetString(1), reader.GetBoolean(2),
                Distance(reader, 3), Distance(reader, 4), Distance(reader, 5), Distance(reader, 6)));
        }

        return matches;
    }

    // A design not hashed yet has no distance; -1 says so without a nullable in every client.
    private static int Distance(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? -1 : (int)reader.GetInt64(ordinal);
}
