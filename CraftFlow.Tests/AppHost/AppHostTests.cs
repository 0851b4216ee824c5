using System.Net;
using System.Net.Http.Json;
using CraftFlow.AppHost.Hosting;
using CraftFlow.Tests.Infrastructure;
using Npgsql;

namespace CraftFlow.Tests.AppHost;

public sealed class AppHostTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Two_graphs_side_by_side_get_different_free_ports_and_working_servers()
    {
        await using var first = await TestAppHost.StartServersAsync();
        await using var second = await TestAppHost.StartServersAsync();

        Assert.NotEqual(first.DatabaseConnectionString, second.DatabaseConnectionString);
        Assert.NotEqual(first.CacheConnectionString, second.CacheConnectionString);
        foreach (var connectionString in new[] { first.DatabaseConnectionString, second.DatabaseConnectionString })
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            Assert.Equal("craftflowdb", connection.Database);
        }
    }

    [Fact]
    public async Task Stopping_the_in_process_graph_stops_redis_and_postgres()
    {
        var host = await TestAppHost.StartServersAsync();
        var redisPid = host.Application.Resource<RedisResource>("cache").ProcessId!.Value;
        var postgresPort = host.Application.Resource<PostgresResource>("postgres").Endpoint!.Split(':')[1];

        await host.DisposeAsync();

        Assert.False(AppHostProcess.IsAlive(redisPid));
        Assert.False(CraftFlow.AppHost.Resources.FreePort.IsListening(int.Parse(postgresPort, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task Whole_graph_serves_restarts_a_killed_api_and_leaves_no_child_behind()
    {
        await using var appHost = AppHostProcess.Start();
        var apiUrl = await appHost.WaitForApiUrlAsync(StartTimeout);
        using var client = new HttpClient { BaseAddress = new Uri(apiUrl) };

        using (var health = await client.GetAsync("/health"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        // A user registers over HTTP and the Worker process handles the upload's job.
        using (var register = await client.PostAsJsonAsync("/api/auth/register", new { email = "e2e@example.com", password = "password123" }))
        {
            Assert.Equal(HttpStatusCode.Created, register.StatusCode);
            var token = (await ApiFixture.ReadJsonAsync(register)).GetProperty("token").GetProperty("token").GetString();
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        var batchId = (await ApiFixture.ReadJsonAsync(await client.PostAsync("/api/designs", ApiFixture.Files(("e2e.png", ApiFixture.Png())))))
            .GetProperty("batch_id").GetGuid();
        var batch = await Eventually.UntilAsync(
            async () => await ApiFixture.ReadJsonAsync(await client.GetAsync($"/api/uploads/{batchId}")),
            b => b.GetProperty("status").GetString() == "completed", StartTimeout, "the Worker to process the upload");
        Assert.Equal(1, batch.GetProperty("processed").GetInt32());
        client.DefaultRequestHeaders.Authorization = null;

        var apiPid = appHost.LatestPid("api")!.Value;
        var workerPid = appHost.LatestPid("worker")!.Value;
        var redisPid = appHost.LatestPid("cache")!.Value;
        Assert.Equal("Finished", appHost.Output.Split('\n').Last(l => l.StartsWith("migrations ", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);

        using (var api = System.Diagnostics.Process.GetProcessById(apiPid))
        {
            api.Kill();
        }

        var restartedPid = await Eventually.UntilAsync(
            () => Task.FromResult(appHost.LatestPid("api")), pid => pid is not null && pid != apiPid, StartTimeout, "the API to be restarted");
        var healthAfterRestart = await Eventually.UntilAsync(
            async () => await StatusAsync(client), status => status == HttpStatusCode.OK, StartTimeout, "the restarted API to be healthy");
        Assert.Equal(HttpStatusCode.OK, healthAfterRestart);

        appHost.Terminate();
        await appHost.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, appHost.ExitCode);
        foreach (var pid in new[] { apiPid, restartedPid!.Value, workerPid, redisPid })
        {
            Assert.False(AppHostProcess.IsAlive(pid), $"process {pid} outlived the AppHost");
        }

        Assert.False(CraftFlow.AppHost.Resources.FreePort.IsListening(new Uri(apiUrl).Port));
    }

    [Fact]
    public async Task A_failed_migration_is_reported_and_stops_the_start_up()
    {
        var unreachable = CraftFlow.AppHost.Resources.FreePort.Next();
        await using var appHost = AppHostProcess.Start(new Dictionary<string, string>
        {
            ["ConnectionStrings__craftflowdb"] = $"Host=127.0.0.1;Port={unreachable};Username=postgres;Database=craftflowdb",
            ["Migration__ConnectDeadline"] = "00:00:01",
        });

        await appHost.WaitForExitAsync(StartTimeout);

        Assert.Equal(1, appHost.ExitCode);
        Assert.Contains($"127.0.0.1:{unreachable}", appHost.Output, StringComparison.Ordinal);
        Assert.Contains("migrations exited with code 1", appHost.Output, StringComparison.Ordinal);
        Assert.Null(appHost.LatestPid("api"));
    }

    private static async Task<HttpStatusCode?> StatusAsync(HttpClient client)
    {
        try
        {
            using var response = await client.GetAsync("/health");
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}
