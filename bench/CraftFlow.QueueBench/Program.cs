using System.Diagnostics;
using System.Globalization;
using CraftFlow.AppHost.Resources;
using CraftFlow.Data;
using CraftFlow.Data.Jobs;
using CraftFlow.Data.Schema;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

// Job queue throughput: no-op jobs enqueued and completed per second with 1, 2 and 8 consumers.
//   dotnet run -c Release --project bench/CraftFlow.QueueBench -- [--jobs 20000] [--concurrency 10]
//       [--connection-string "Host=...;Database=..."] [--no-fsync]
// Without a connection string it starts its own PostgreSQL (durable, fsync on) in a temporary directory.
var jobCount = IntArgument("--jobs", 20_000);
var concurrency = IntArgument("--concurrency", 10);
var connectionString = Argument("--connection-string");
PostgresServer? server = null;
var directory = Path.Combine(Path.GetTempPath(), $"craftflow-queuebench-{Guid.NewGuid():N}");
if (connectionString is null)
{
    server = await PostgresServer.StartAsync(directory, durable: !args.Contains("--no-fsync"));
    await server.CreateDatabaseAsync("queuebench");
    connectionString = server.ConnectionString("queuebench");
}

try
{
    await MigrateAsync(connectionString);
    await using var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 50 }.ConnectionString);
    var queue = new JobQueue(dataSource, Options.Create(new JobQueueOptions()), TimeProvider.System);

    Console.WriteLine($"{jobCount} no-op jobs per run; each consumer claims up to {concurrency} at once; {Environment.ProcessorCount} cores");
    Console.WriteLine();
    Console.WriteLine("| consumers | enqueue (batches of 1000) jobs/s | run to completion jobs/s |");
    Console.WriteLine("|---:|---:|---:|");
    foreach (var consumers in new[] { 1, 2, 8 })
    {
        var (enqueueRate, runRate) = await RunAsync(dataSource, queue, consumers);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {consumers} | {enqueueRate:0} | {runRate:0} |"));
    }

    Console.WriteLine();
    var singleRate = await SingleEnqueueRateAsync(dataSource, queue);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"single-job enqueue, one INSERT + NOTIFY per call: {singleRate:0} jobs/s"));
}
finally
{
    if (server is not null)
    {
        await server.StopAsync();
        Directory.Delete(directory, recursive: true);
    }
}

async Task<(double EnqueueRate, double RunRate)> RunAsync(NpgsqlDataSource dataSource, JobQueue queue, int consumers)
{
    await using (var truncate = dataSource.CreateCommand("TRUNCATE jobs"))
    {
        await truncate.ExecuteNonQueryAsync();
    }

    var enqueue = Stopwatch.StartNew();
    await using (var connection = await dataSource.OpenConnectionAsync())
    {
        for (var offset = 0; offset < jobCount; offset += 1000)
        {
            var batch = Enumerable.Range(0, Math.Min(1000, jobCount - offset))
                .Select(_ => new NewJob(JobQueues.ImageProcessing, "noop", "{}"))
                .ToList();
            await queue.EnqueueManyAsync(connection, null, batch, CancellationToken.None);
        }
    }

    var enqueueRate = jobCount / enqueue.Elapsed.TotalSeconds;

    var completed = 0;
    var allDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    var handler = new NoOpHandler(() =>
    {
        if (Interlocked.Increment(ref completed) == jobCount)
        {
            allDone.SetResult();
        }
    });
    using var stop = new CancellationTokenSource();
    var run = Stopwatch.StartNew();
    var running = Enumerable.Range(0, consumers)
        .Select(_ => new JobConsumer(
            JobQueues.ImageProcessing, concurrency, queue, null, new JobHandlerRegistry([handler]), TimeProvider.System, NullLogger<JobConsumer>.Instance))
        .Select(consumer => consumer.RunAsync(stop.Token))
        .ToList();
    await allDone.Task;

    // The handler ran for every job; wait for the last completions to be written too.
    await using (var count = dataSource.CreateCommand("SELECT count(*) FROM jobs WHERE state <> 'completed'"))
    {
        while ((long)(await count.ExecuteScalarAsync())! > 0)
        {
            await Task.Delay(5);
        }
    }

    var runRate = jobCount / run.Elapsed.TotalSeconds;
    await stop.CancelAsync();
    await Task.WhenAll(running);
    return (enqueueRate, runRate);
}

async Task<double> SingleEnqueueRateAsync(NpgsqlDataSource dataSource, JobQueue queue)
{
    const int count = 2000;
    await using var connection = await dataSource.OpenConnectionAsync();
    var watch = Stopwatch.StartNew();
    for (var i = 0; i < count; i++)
    {
        await queue.EnqueueAsync(connection, null, new NewJob(JobQueues.Maintenance, "noop", "{}"), CancellationToken.None);
    }

    return count / watch.Elapsed.TotalSeconds;
}

static async Task MigrateAsync(string connectionString)
{
    var builder = new DbContextOptionsBuilder<CraftFlowDbContext>();
    DataServiceExtensions.ConfigureDbContext(builder, DatabaseConnection.ApplyDefaults(connectionString));
    var migrator = new DatabaseMigrator(
        new PooledDbContextFactory<CraftFlowDbContext>(builder.Options),
        Options.Create(new MigrationOptions()),
        TimeProvider.System,
        NullLogger<DatabaseMigrator>.Instance);
    await migrator.MigrateAsync(CancellationToken.None);
}

string? Argument(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

int IntArgument(string name, int fallback)
    => Argument(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

internal sealed class NoOpHandler(Action ran) : IJobHandler
{
    public string Kind => "noop";

    public Task HandleAsync(Job job, CancellationToken cancellationToken)
    {
        ran();
        return Task.CompletedTask;
    }
}
