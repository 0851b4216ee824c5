using System.Net;
using System.Text.Json;
using CraftFlow.Tests.Infrastructure;
using Npgsql;

namespace CraftFlow.Tests.Foundation;

public sealed class HealthEndpointTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Health_reports_the_documented_shape_with_a_healthy_database()
    {
        await using var api = new ApiFactory(database.ConnectionString, new Dictionary<string, string?>
        {
            ["RAILWAY_GIT_COMMIT_SHA"] = "abc12345def67890",
        });
        using var client = api.CreateClient();

        using var response = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = body.RootElement;
        Assert.Contains(root.GetProperty("status").GetString(), new[] { "healthy", "degraded" });
        Assert.Equal("abc12345", root.GetProperty("version").GetString());
        Assert.True(root.TryGetProperty("timestamp", out _));
        var checks = root.GetProperty("checks");
        Assert.Equal("healthy", checks.GetProperty("database").GetString());
        Assert.True(checks.TryGetProperty("memory", out _));
        Assert.True(checks.TryGetProperty("response_time", out _));
        var metrics = root.GetProperty("metrics");
        Assert.True(metrics.GetProperty("memory_usage_mb").GetDouble() > 0);
        Assert.True(metrics.TryGetProperty("cpu_usage_percent", out _));
        Assert.True(metrics.TryGetProperty("response_time_ms", out _));
    }

    [Fact]
    public async Task Health_is_503_unhealthy_when_the_database_is_unreachable_but_alive_stays_200()
    {
        var port = CraftFlow.AppHost.Resources.FreePort.Next();
        await using var api = new ApiFactory($"Host=127.0.0.1;Port={port};Username=postgres;Database=x;Timeout=2");
        using var client = api.CreateClient();

        using var health = await client.GetAsync("/health");
        using var alive = await client.GetAsync("/alive");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        using var body = JsonDocument.Parse(await health.Content.ReadAsStringAsync());
        Assert.Equal("unhealthy", body.RootElement.GetProperty("status").GetString());
        Assert.Equal("unhealthy", body.RootElement.GetProperty("checks").GetProperty("database").GetString());
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }

    [Fact]
    public async Task Startup_migration_mode_migrates_before_the_api_serves()
    {
        var name = await database.CreateExtraDatabaseAsync();
        var connectionString = database.Server.ConnectionString(name);
        await using var api = new ApiFactory(connectionString, new Dictionary<string, string?> { ["MIGRATION_MODE"] = "startup" });
        using var client = api.CreateClient();

        using var response = await client.GetAsync("/alive");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid WHERE c.relname LIKE 'idx_%' AND x.indisvalid", connection);
        Assert.Equal((long)CraftFlow.Data.Schema.PerformanceIndex.All.Count, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Unknown_migration_mode_fails_start_up_naming_the_setting()
    {
        await using var api = new ApiFactory(database.ConnectionString, new Dictionary<string, string?> { ["MIGRATION_MODE"] = "sometimes" });

        var error = Assert.Throws<InvalidOperationException>(() => api.CreateClient());

        Assert.Contains("MIGRATION_MODE", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Openapi_document_is_served()
    {
        await using var api = new ApiFactory(database.ConnectionString);
        using var client = api.CreateClient();

        using var response = await client.GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"openapi\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
