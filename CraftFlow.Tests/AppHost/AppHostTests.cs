using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using CraftFlow.AppHost.Resources;
using CraftFlow.Tests.Infrastructure;

namespace CraftFlow.Tests.AppHost;

/// <summary>Starting whole graphs is heavy on two cores: the AppHost tests take turns.</summary>
[CollectionDefinition(Name)]
public sealed class AppHostCollection
{
    public const string Name = "AppHost graphs";
}

/// <summary>The AppHost's graph, started once for these tests.</summary>
public sealed class RunningGraph : IAsyncLifetime
{
    public TestGraph Graph { get; private set; } = null!;

    public async Task InitializeAsync() => Graph = await TestGraph.StartAsync();

    public async Task DisposeAsync() => await Graph.DisposeAsync();
}

[Collection(AppHostCollection.Name)]
public sealed class AppHostTests(RunningGraph running) : IClassFixture<RunningGraph>
{
    private const string Password = "correct horse battery";

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private TestGraph Graph => running.Graph;

    [Fact]
    public async Task Every_resource_comes_up_and_the_migrations_finish()
    {
        foreach (var resource in new[] { "postgres", "craftflowdb", "cache", "api", "worker" })
        {
            Assert.True(Graph.TryGetSnapshot(resource, out var snapshot), resource);
            Assert.Equal(KnownResourceStates.Running, snapshot.State?.Text);
            Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, snapshot.HealthStatus);
        }

        Assert.True(Graph.TryGetSnapshot("migrations", out var migrations));
        Assert.Equal(KnownResourceStates.Finished, migrations.State?.Text);
        Assert.Equal(0, migrations.ExitCode);

        using var client = Graph.CreateApiClient();
        using var health = await client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        var body = await health.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("healthy", body.GetProperty("checks").GetProperty("database").GetString());
        Assert.Equal("healthy", body.GetProperty("checks").GetProperty("redis").GetString());
    }

    [Fact]
    public async Task The_dashboard_answers_and_logs_in_with_the_url_the_apphost_prints()
    {
        const string printed = "Login to the dashboard at ";
        var line = Assert.Single(Graph.Log.Lines, line => line.StartsWith("Information Aspire.Hosting.DistributedApplication: " + printed, StringComparison.Ordinal));
        var loginUrl = new Uri(line[(line.IndexOf(printed, StringComparison.Ordinal) + printed.Length)..].Trim());
        using var handler = new HttpClientHandler { AllowAutoRedirect = false };
        using var browser = new HttpClient(handler);

        using var login = await Eventually.UntilAsync(
            () => browser.GetAsync(loginUrl), r => r.StatusCode != HttpStatusCode.ServiceUnavailable, Deadline, "the dashboard");

        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Contains(login.Headers.GetValues("Set-Cookie"), cookie => cookie.Contains(".Aspire.Dashboard.Auth", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_upload_through_the_api_is_processed_by_the_worker()
    {
        using var client = await RegisterAsync();

        using var upload = await client.PostAsync("/api/designs", ApiFixture.Files(("design.png", ApiFixture.Png(120, 90, "#aa3366"))));
        Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);
        var batchId = (await ApiFixture.ReadJsonAsync(upload)).GetProperty("batch_id").GetGuid();

        var batch = await Eventually.UntilAsync(
            async () => await ApiFixture.ReadJsonAsync(await client.GetAsync($"/api/uploads/{batchId}")),
            b => b.GetProperty("processed").GetInt32() == 1, Deadline, "the Worker to process the upload");
        Assert.Equal(0, batch.GetProperty("failed").GetInt32());

        // Every resource's console, as the dashboard shows it: the seller's password and token appear nowhere.
        var token = client.DefaultRequestHeaders.Authorization!.Parameter!;
        Assert.DoesNotContain(Graph.Log.Lines, line => line.Contains(token, StringComparison.Ordinal) || line.Contains(Password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Redis_killed_mid_run_and_started_again_fails_no_request()
    {
        using var client = await RegisterAsync();
        var redisPid = Graph.ProcessId("cache") ?? throw new InvalidOperationException("cache has no pid");
        var failures = new List<string>();
        var requests = 0;
        using var stop = new CancellationTokenSource();
        var load = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var path in new[] { "/api/designs", "/api/me", "/health" })
                {
                    using var response = await client.GetAsync(path, CancellationToken.None);
                    Interlocked.Increment(ref requests);
                    if (!response.IsSuccessStatusCode)
                    {
                        lock (failures)
                        {
                            failures.Add($"{path}: {(int)response.StatusCode}");
                        }
                    }
                }
            }
        });

        await Eventually.UntilAsync(() => Task.FromResult(Volatile.Read(ref requests)), n => n > 30, Deadline, "requests before the kill");
        Assert.True(PosixSignals.Send(redisPid, 9));
        await Graph.Application.ResourceNotifications.WaitForResourceAsync(
            "cache", KnownResourceStates.TerminalStates, new CancellationTokenSource(Deadline).Token);
        var duringOutage = Volatile.Read(ref requests);
        await Eventually.UntilAsync(() => Task.FromResult(Volatile.Read(ref requests)), n => n > duringOutage + 30, Deadline, "requests while Redis is down");

        var started = await Graph.Application.ResourceCommands.ExecuteCommandAsync("cache", KnownResourceCommands.StartCommand);
        Assert.True(started.Success, started.Message);
        await Graph.Application.ResourceNotifications.WaitForResourceHealthyAsync("cache", new CancellationTokenSource(Deadline).Token);
        var afterRestart = Volatile.Read(ref requests);
        await Eventually.UntilAsync(() => Task.FromResult(Volatile.Read(ref requests)), n => n > afterRestart + 30, Deadline, "requests after the restart");
        await stop.CancelAsync();
        await load;

        Assert.Empty(failures);
    }

    private async Task<HttpClient> RegisterAsync()
    {
        var client = Graph.CreateApiClient();
        var email = $"seller-{Guid.NewGuid():N}@example.com";
        using var response = await client.PostAsJsonAsync("/api/auth/register", new { email, password = Password });
        response.EnsureSuccessStatusCode();
        var token = (await ApiFixture.ReadJsonAsync(response)).GetProperty("token").GetProperty("token").GetString();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}

[Collection(AppHostCollection.Name)]
public sealed class AppHostLifetimeTests
{
    [Fact]
    public async Task Stopping_the_graph_leaves_no_process_behind()
    {
        var graph = await TestGraph.StartAsync();
        var processes = new[] { "postgres", "cache", "migrations", "api", "worker" }
            .Select(graph.ProcessId).OfType<int>()
            .SelectMany(ProcessTree.WithDescendants)
            .Where(ProcessTree.IsAlive)
            .ToList();
        Assert.True(processes.Count >= 4, $"only {processes.Count} processes found");

        await graph.DisposeAsync();

        var survivors = await Eventually.UntilAsync(
            () => Task.FromResult(processes.Where(ProcessTree.IsAlive).ToList()), alive => alive.Count == 0, TimeSpan.FromSeconds(20), "every process to end");
        Assert.Empty(survivors);
    }

    [Fact]
    public async Task A_postgres_that_cannot_start_fails_with_its_reason_and_its_dependents_fail_too()
    {
        var started = DateTime.UtcNow;

        // A cluster from a PostgreSQL release that does not exist: the server refuses it at once with its own FATAL line.
        await using var graph = await TestGraph.StartAsync(
            prepare: directory =>
            {
                Directory.CreateDirectory(Path.Combine(directory, "postgres"));
                File.WriteAllText(Path.Combine(directory, "postgres", "PG_VERSION"), "99\n");
            },
            waitUntilHealthy: false);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var postgres = await graph.Application.ResourceNotifications.WaitForResourceAsync("postgres", e => IsEnded(e.Snapshot), timeout.Token);
        foreach (var dependent in new[] { "craftflowdb", "migrations", "api", "worker" })
        {
            await graph.Application.ResourceNotifications.WaitForResourceAsync(dependent, e => IsEnded(e.Snapshot), timeout.Token);
        }

        Assert.NotEqual(0, postgres.Snapshot.ExitCode);
        var report = await Eventually.UntilAsync(
            () => Task.FromResult(graph.Log.Lines.FirstOrDefault(line => line.Contains("postgres failed", StringComparison.Ordinal))),
            line => line is not null, TimeSpan.FromSeconds(10), "the AppHost to report the failure");
        Assert.Contains("could not access the server configuration file", report, StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(60));
    }

    private static bool IsEnded(CustomResourceSnapshot snapshot) => KnownResourceStates.TerminalStates.Contains(snapshot.State?.Text);
}
