using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CraftFlow.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CraftFlow.Tests.Admin;

/// <summary>A small pool and a one-second long-query threshold, so the warnings can be provoked quickly.</summary>
public sealed class DatabaseInsightFixture : ApiFixture
{
    public const int MaxPoolSize = 6;

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            settings["ConnectionStrings:craftflowdb"] = $"{ConnectionString};Maximum Pool Size={MaxPoolSize}";
            settings["Admin:DatabaseInsight:LongQueryThreshold"] = "00:00:01";
            return settings;
        }
    }

    /// <summary>A client whose user is an admin: is_admin is set before the user's token is first used, then a fresh login.</summary>
    public async Task<HttpClient> CreateAdminClientAsync()
    {
        var client = Api.CreateClient();
        var email = $"admin-{Guid.NewGuid():N}@example.com";
        const string password = "correct horse battery";
        (await client.PostAsJsonAsync("/api/auth/register", new { email, password })).EnsureSuccessStatusCode();
        await using (var connection = await OpenConnectionAsync())
        {
            await using var command = new NpgsqlCommand("UPDATE users SET is_admin = true WHERE email = $1", connection) { Parameters = { new() { Value = email } } };
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        using var login = await client.PostAsJsonAsync("/api/auth/login", new { email, password });
        login.EnsureSuccessStatusCode();
        var token = (await ReadJsonAsync(login)).GetProperty("token").GetProperty("token").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}

public sealed class DatabaseInsightTests(DatabaseInsightFixture fixture) : IClassFixture<DatabaseInsightFixture>
{
    private const string Route = "/api/admin/database";

    [Fact]
    public async Task Admin_sees_a_long_query_from_another_connection_with_its_warning_and_the_cache_hit_ratio()
    {
        using var admin = await fixture.CreateAdminClientAsync();
        await using var sleeper = await fixture.OpenConnectionAsync();
        using var stopSleeping = new CancellationTokenSource();
        await using var sleep = new NpgsqlCommand("SELECT pg_sleep(120) /* insight-long-query */", sleeper) { CommandTimeout = 0 };
        var sleeping = sleep.ExecuteScalarAsync(stopSleeping.Token);
        try
        {
            var body = await Eventually.UntilAsync(
                () => GetInsightAsync(admin),
                b => LongQueries(b).Any(q => q.GetProperty("query").GetString()!.Contains("insight-long-query", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(30),
                "the sleeping query to be listed");

            var query = LongQueries(body).Single(q => q.GetProperty("query").GetString()!.Contains("insight-long-query", StringComparison.Ordinal));
            Assert.True(query.GetProperty("duration_seconds").GetDouble() >= 1);
            Assert.Equal(sleeper.ProcessID, query.GetProperty("pid").GetInt32());
            Assert.Equal(1, body.GetProperty("long_running_queries").GetProperty("threshold_seconds").GetDouble());
            Assert.Contains(Warnings(body), w => w.Contains("running longer than 1 s", StringComparison.Ordinal));

            var pool = body.GetProperty("pool");
            Assert.Equal(DatabaseInsightFixture.MaxPoolSize, pool.GetProperty("max").GetInt32());
            Assert.True(pool.GetProperty("idle").GetInt32() >= 0 && pool.GetProperty("in_use").GetInt32() >= 0);
            var hitRatio = body.GetProperty("cache_hit_ratio_percent").GetDouble();
            Assert.InRange(hitRatio, 0, 100);
        }
        finally
        {
            await stopSleeping.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sleeping);
        }
    }

    [Fact]
    public async Task Pool_use_at_the_threshold_is_reported_from_npgsql_metrics_and_warned()
    {
        using var admin = await fixture.CreateAdminClientAsync();
        var before = (await GetInsightAsync(admin)).GetProperty("pool");
        var baseline = before.GetProperty("in_use").GetInt32();
        Assert.DoesNotContain(Warnings(await GetInsightAsync(admin)), w => w.StartsWith("Connection pool", StringComparison.Ordinal));

        // 80 % of 6 is 4.8: five connections in use, the sixth left for the route's own queries.
        var wanted = (int)Math.Ceiling(DatabaseInsightFixture.MaxPoolSize * 0.8) - baseline;
        var dataSource = fixture.Api.Services.GetRequiredService<NpgsqlDataSource>();
        var held = new List<NpgsqlConnection>();
        try
        {
            for (var i = 0; i < wanted; i++)
            {
                held.Add(await dataSource.OpenConnectionAsync());
            }

            var body = await GetInsightAsync(admin);

            var pool = body.GetProperty("pool");
            Assert.Equal(baseline + wanted, pool.GetProperty("in_use").GetInt32());
            Assert.True(pool.GetProperty("usage_percent").GetDouble() >= 80);
            Assert.Contains(Warnings(body), w => w.StartsWith("Connection pool use is high", StringComparison.Ordinal));
        }
        finally
        {
            foreach (var connection in held)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Slow_statements_come_from_pg_stat_statements_once_installed_and_a_note_says_why_before()
    {
        using var admin = await fixture.CreateAdminClientAsync();
        var before = (await GetInsightAsync(admin)).GetProperty("slow_statements");
        Assert.False(before.GetProperty("available").GetBoolean());
        Assert.Contains("not installed", before.GetProperty("note").GetString(), StringComparison.Ordinal);

        bool preloaded;
        await using (var connection = await fixture.OpenConnectionAsync())
        {
            await using var show = new NpgsqlCommand("SHOW shared_preload_libraries", connection);
            preloaded = ((string)(await show.ExecuteScalarAsync())!).Contains("pg_stat_statements", StringComparison.Ordinal);
            await using var install = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_sleep(0.2) /* insight-slow-statement */", connection);
            await install.ExecuteNonQueryAsync();
        }

        var after = (await GetInsightAsync(admin)).GetProperty("slow_statements");

        if (preloaded)
        {
            Assert.True(after.GetProperty("available").GetBoolean());
            var slow = after.GetProperty("statements").EnumerateArray()
                .Single(s => s.GetProperty("query").GetString()!.Contains("insight-slow-statement", StringComparison.Ordinal));
            Assert.True(slow.GetProperty("mean_ms").GetDouble() >= 200);
            Assert.True(slow.GetProperty("calls").GetInt64() >= 1);
        }
        else
        {
            Assert.False(after.GetProperty("available").GetBoolean());
            Assert.Contains("shared_preload_libraries", after.GetProperty("note").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Anonymous_users_and_non_admins_get_the_404_of_a_route_that_does_not_exist()
    {
        using var anonymous = fixture.Api.CreateClient();
        using var seller = await fixture.CreateUserClientAsync();
        using var badToken = fixture.Api.CreateClient();
        badToken.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-real-token");

        foreach (var client in new[] { anonymous, seller, badToken })
        {
            using var missing = await client.GetAsync("/api/admin/no-such-route");
            using var hidden = await client.GetAsync(Route);

            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
            Assert.Equal(missing.Content.Headers.ContentType?.MediaType, hidden.Content.Headers.ContentType?.MediaType);
            Assert.Equal(Comparable(await ApiFixture.ReadJsonAsync(missing)), Comparable(await ApiFixture.ReadJsonAsync(hidden)));
            Assert.False(hidden.Headers.Contains("WWW-Authenticate"));
        }

        using var openApi = await anonymous.GetAsync("/openapi/v1.json");
        Assert.DoesNotContain("/api/admin", await openApi.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task<JsonElement> GetInsightAsync(HttpClient admin)
    {
        using var response = await admin.GetAsync(Route);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ApiFixture.ReadJsonAsync(response);
    }

    private static IEnumerable<JsonElement> LongQueries(JsonElement body)
        => body.GetProperty("long_running_queries").GetProperty("queries").EnumerateArray();

    private static List<string> Warnings(JsonElement body)
        => body.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()!).ToList();

    // A problem document without the fields that differ per request.
    private static string Comparable(JsonElement problem)
        => string.Join(';', problem.EnumerateObject()
            .Where(p => p.Name is not ("traceId" or "trace_id" or "correlation_id" or "instance"))
            .Select(p => $"{p.Name}={p.Value}"));
}
