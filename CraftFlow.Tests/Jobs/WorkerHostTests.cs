using CraftFlow.Data;
using CraftFlow.Data.Jobs;
using CraftFlow.ServiceDefaults.Configuration;
using CraftFlow.Tests.Infrastructure;
using CraftFlow.Worker;
using CraftFlow.Worker.Handlers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CraftFlow.Tests.Jobs;

/// <summary>The Worker's host wiring: settings checked at start-up, consumers per queue, maintenance, shutdown.</summary>
public sealed class WorkerHostTests(JobQueueFixture database) : IClassFixture<JobQueueFixture>
{
    [Fact]
    public void Per_queue_concurrency_overrides_the_default_and_zero_turns_a_queue_off()
    {
        var builder = CreateBuilder(new Dictionary<string, string?>
        {
            ["WORKER_CONCURRENCY"] = "4",
            ["WORKER_CONCURRENCY_IMAGE_PROCESSING"] = "1",
            ["WORKER_CONCURRENCY_ETSY_INTEGRATION"] = "0",
        });

        var options = WorkerOptions.Read(builder.Configuration);

        Assert.Equal(1, options.ConcurrencyFor(JobQueues.ImageProcessing));
        Assert.Equal(0, options.ConcurrencyFor(JobQueues.EtsyIntegration));
        Assert.Equal(4, options.ConcurrencyFor(JobQueues.Maintenance));
    }

    [Fact]
    public void A_concurrency_for_a_queue_that_does_not_exist_fails_start_up_naming_it()
    {
        var builder = CreateBuilder(new Dictionary<string, string?> { ["WORKER_CONCURRENCY_IMAGES"] = "2" });

        var error = Assert.Throws<System.ComponentModel.DataAnnotations.ValidationException>(() => builder.AddCraftFlowWorker());

        Assert.Contains("WORKER_CONCURRENCY_IMAGES names no queue", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_job_queue_options_fail_start_up()
    {
        var builder = CreateBuilder(new Dictionary<string, string?>
        {
            ["JobQueue:LeaseDuration"] = "00:00:10",
            ["JobQueue:HeartbeatInterval"] = "00:00:30",
        });
        builder.AddCraftFlowWorker();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            using var host = builder.Build();
            await host.StartAsync();
        });
        Assert.Contains("HeartbeatInterval", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Worker_prunes_on_start_runs_every_queue_and_releases_unfinished_jobs_on_stop()
    {
        await database.ResetAsync();
        await database.ExecuteAsync("""
            INSERT INTO jobs (id, queue, kind, payload, state, priority, run_at, attempt, max_attempts, created_at, finished_at)
            SELECT gen_random_uuid(), 'maintenance', 'old', '{}', 'completed', 0, now() - interval '30 days', 1, 4,
                   now() - interval '30 days', now() - interval '30 days'
            FROM generate_series(1, 25)
            """);
        var ran = new System.Collections.Concurrent.ConcurrentBag<string>();
        var builder = CreateBuilder(new Dictionary<string, string?>
        {
            ["WORKER_CONCURRENCY"] = "3",
            ["JobQueue:PollInterval"] = "00:00:00.100",
            ["JobQueue:ShutdownGracePeriod"] = "00:00:00.200",
            ["JobQueue:PruneBatchSize"] = "10",
        });
        builder.Services.AddSingleton<IJobHandler>(new DelegateJobHandler("hello", (job, _) =>
        {
            ran.Add(job.Queue);
            return Task.CompletedTask;
        }));
        builder.Services.AddSingleton<IJobHandler>(new DelegateJobHandler("block", (_, ct) => Task.Delay(Timeout.Infinite, ct)));
        builder.AddCraftFlowWorker();
        using var host = builder.Build();
        var queue = host.Services.GetRequiredService<JobQueue>();

        await host.StartAsync();
        await Eventually.UntilAsync(
            () => database.CountAsync($"kind = '{PruneJobsHandler.JobKind}' AND state = 'completed'"), n => n == 1, TimeSpan.FromSeconds(20), "the prune job completed");
        Assert.Equal(0, await database.CountAsync("kind = 'old'"));

        foreach (var name in JobQueues.All)
        {
            await queue.EnqueueAsync(new NewJob(name, "hello", "{}"), CancellationToken.None);
        }

        var blocked = (await queue.EnqueueAsync(new NewJob(JobQueues.ImageProcessing, "block", "{}"), CancellationToken.None)).JobId;
        await Eventually.UntilAsync(() => database.CountAsync("kind = 'hello' AND state = 'completed'"), n => n == 4, TimeSpan.FromSeconds(20), "a job on every queue");
        await Eventually.UntilAsync(
            () => queue.GetAsync(blocked, CancellationToken.None), j => j!.State == JobState.Running, TimeSpan.FromSeconds(20), "the blocking job running");

        var health = host.Services.GetRequiredService<HealthCheckService>();
        await Eventually.UntilAsync(
            async () => (await health.CheckHealthAsync(check => check.Name == "job_queue")).Status,
            status => status == HealthStatus.Healthy,
            TimeSpan.FromSeconds(20),
            "job_queue healthy (listening)");

        await host.StopAsync();

        Assert.Equal(JobQueues.All.Order(), ran.Order());
        var released = (await queue.GetAsync(blocked, CancellationToken.None))!;
        Assert.Equal((JobState.Available, 0), (released.State, released.Attempt));
    }

    private HostApplicationBuilder CreateBuilder(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{DatabaseConnection.Name}"] = database.ConnectionString,
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddPlatformSettings();
        builder.AddCraftFlowDatabase();
        builder.AddCraftFlowJobQueue();
        return builder;
    }
}
