using CraftFlow.Tests.Infrastructure;
using Npgsql;

namespace CraftFlow.Tests.Foundation;

/// <summary>With a realistic amount of data, the seed guide's two main queries use the new indexes.</summary>
public sealed class QueryPlanTests(QueryPlanTests.SeededDatabase database) : IClassFixture<QueryPlanTests.SeededDatabase>
{
    [Fact]
    public async Task A_users_active_designs_with_phash_use_the_user_active_hashes_index()
    {
        var plan = await ExplainAsync(
            "SELECT id, phash, ahash, dhash, whash FROM design_images WHERE user_id = @user AND is_active = true AND phash IS NOT NULL");

        Assert.True(plan.Contains("idx_design_images_user_active_hashes", StringComparison.Ordinal), plan);
    }

    [Fact]
    public async Task A_users_designs_by_template_newest_first_use_the_user_template_date_index()
    {
        var plan = await ExplainAsync(
            "SELECT id FROM design_images WHERE user_id = @user AND template_id = @template AND is_active = true ORDER BY created_at DESC LIMIT 50");

        Assert.True(plan.Contains("idx_design_images_user_template_date", StringComparison.Ordinal), plan);
    }

    private async Task<string> ExplainAsync(string sql)
    {
        await using var connection = await database.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("EXPLAIN " + sql, connection);
        command.Parameters.AddWithValue("user", database.UserId);
        command.Parameters.AddWithValue("template", database.TemplateId);
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }

    /// <summary>100,000 designs across 100 users and 10 templates each, a quarter not yet hashed.</summary>
    public sealed class SeededDatabase : DatabaseFixture
    {
        public Guid UserId { get; private set; }

        public Guid TemplateId { get; private set; }

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            await Migrations.MigrateAsync(ConnectionString);
            await using var connection = await OpenConnectionAsync();
            await using var command = new NpgsqlCommand(
                """
                INSERT INTO users (id, email, password_hash, is_admin, created_at, updated_at)
                SELECT uuidv, 'user' || n || '@example.com', 'x', false, now(), now()
                FROM (SELECT n, md5('user' || n)::uuid AS uuidv FROM generate_series(1, 100) n) u;

                INSERT INTO templates (id, user_id, name, image_sha256, content_type, width, height,
                    print_area_x, print_area_y, print_area_width, print_area_height, print_area_rotation,
                    is_active, created_at, updated_at)
                SELECT md5('template' || u || '-' || t)::uuid, md5('user' || u)::uuid, 'T', 'x', 'image/png',
                    100, 100, 0, 0, 10, 10, 0, true, now(), now()
                FROM generate_series(1, 100) u, generate_series(1, 10) t;

                INSERT INTO design_images (id, user_id, template_id, title, tags, original_file_name, content_type,
                    file_size, sha256, phash, ahash, dhash, whash, status, is_active, created_at, updated_at)
                SELECT gen_random_uuid(), md5('user' || (n % 100 + 1))::uuid,
                    md5('template' || (n % 100 + 1) || '-' || (n % 10 + 1))::uuid,
                    'design ' || n, '{}', 'd.png', 'image/png', 1000, md5(n::text) || md5(n::text),
                    CASE WHEN n % 4 = 0 THEN NULL ELSE (random() * 9e18)::bigint END,
                    (random() * 9e18)::bigint, (random() * 9e18)::bigint, (random() * 9e18)::bigint,
                    'processed', n % 10 <> 0, now() - n * interval '1 minute', now()
                FROM generate_series(1, 100000) n;

                ANALYZE;
                """,
                connection);
            await command.ExecuteNonQueryAsync();
            UserId = GuidFromMd5("user1");
            TemplateId = GuidFromMd5("template1-1");
        }

        // PostgreSQL's md5(text)::uuid, so the test knows the ids the seed gave.
        private static Guid GuidFromMd5(string text)
        {
            var hex = Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
            return Guid.ParseExact(hex, "N");
        }
    }
}
