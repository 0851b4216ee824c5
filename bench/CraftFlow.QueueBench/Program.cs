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
//   dotnet run -c Release --project bench/CraftFlow.QueueBench -- [--jobs 20000] [--consumers 1,2,8 (empty: none)]
//       [--concurrency 10] [--prefetch 1] [--connection-string "Host=...;Database=..."] [--no-fsync] [--no-single-enqueue]
// Without a connection string it starts its own PostgreSQL (durable, fsync on) in a temporary directory.
// Each consumer count: the jobs are enqueued with no consumer running (timed), then the consumers start, and the
// run is timed from the first job's run to the last job's completed row: the clock bench/celery/bench.py uses.
var jobCount = IntArgument("--jobs", 20_000);
var concurrency = IntArgument("--concurrency", 10);
var prefetch = IntArgument("--prefetch", new JobQueueOptions().PrefetchPerSlot);
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
    // The Worker's pool settings (DatabaseConnection's defaults), so the bench runs the statements as it does.
    await using var dataSource = NpgsqlDataSource.Create(DatabaseConnection.ApplyDefaults(connectionString));
    var queue = new JobQueue(dataSource, Options.Create(new JobQueueOptions { PrefetchPerSlot = prefetch }), TimeProvider.System);

    var consumerCounts = (Argument("--consumers") ?? "1,2,8")
        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(c => int.Parse(c, CultureInfo.InvariantCulture))
        .ToList();
    if (consumerCounts.Count > 0)
    {
        // Warm-up, not reported (bench/celery/bench.py warms Celery's worker up too): the JIT compiles the hot paths
        // and each connection prepares its statements before anything is timed.
        await RunAsync(dataSource, queue, consumers: 2, Math.Min(jobCount, 2000));
        Console.WriteLine($"{jobCount} no-op jobs per run; each consumer runs up to {concurrency} at once and claims up to {prefetch * concurrency} ahead; {Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine("| consumers | enqueue (batches of 1000) jobs/s | first run -> all completed jobs/s | CPU ms per 1000 jobs run, bench / PostgreSQL |");
        Console.WriteLine("|---:|---:|---:|---:|");
    }

    foreach (var consumers in consumerCounts)
    {
        var (enqueueRate, runRate, cpu) = await RunAsync(dataSource, queue, consumers, jobCount);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {consumers} | {enqueueRate:0} | {runRate:0} | {cpu} |"));
    }

    if (!args.Contains("--no-single-enqueue"))
    {
        Console.WriteLine();
        var singleRate = await SingleEnqueueRateAsync(dataSource, queue);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"single-job enqueue, one INSERT + NOTIFY per call: {singleRate:0} jobs/s"));
    }
}
finally
{
    if (server is not null)
    {
        await server.StopAsync();
        Directory.Delete(directory, recursive: true);
    }
}

async Task<(double EnqueueRate, double RunRate, string Cpu)> RunAsync(NpgsqlDataSource dataSource, JobQueue queue, int consumers, int jobCount)
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
    long firstRun = 0;
    var allDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    var handler = new NoOpHandler(() =>
    {
        var n = Interlocked.Increment(ref completed);
        if (n == 1)
        {
            Volatile.Write(ref firstRun, Stopwatch.GetTimestamp());
        }

        if (n == jobCount)
        {
            allDone.SetResult();
        }
    });
    using var stop = new CancellationTokenSource();
    var cpuBefore = CpuTime.Read(server);
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

    // The clock starts when the first job has run, as bench/celery/bench.py starts Celery's: consumer start-up
    // (and the first claim's latency) is left out on both sides, and the first job is not counted.
    var runRate = (jobCount - 1) / Stopwatch.GetElapsedTime(Volatile.Read(ref firstRun)).TotalSeconds;
    var cpu = CpuTime.Read(server) - cpuBefore;
    await stop.CancelAsync();
    await Task.WhenAll(running);
    return (enqueueRate, runRate, cpu.PerThousand(jobCount));
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

/// <summary>
/// CPU time (user + system) of this process and of the bench's own PostgreSQL (the postmaster, its children, and
/// the children it reaped), from /proc: on a shared machine the work per job is steadier than the wall clock.
/// </summary>
internal readonly record struct CpuTime(TimeSpan Bench, TimeSpan? Postgres)
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    public static CpuTime Read(PostgresServer? server)
    {
        var bench = Process.GetCurrentProcess().TotalProcessorTime;
        if (server is null || !OperatingSystem.IsLinux())
        {
            return new CpuTime(bench, null);
        }

        var postmaster = int.Parse(File.ReadLines(Path.Combine(server.DataDirectory, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        long ticks = 0;
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out var pid))
            {
                continue;
            }

            string[] fields;
            try
            {
                var stat = File.ReadAllText(Path.Combine(entry, "stat"));
                fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            }
            catch (IOException)
            {
                continue; // exited meanwhile
            }

            // After the command: state, ppid, ... utime (14th field of the line), stime, cutime, cstime.
            var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
            if (pid == postmaster)
            {
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)
                    + long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
            }
            else if (parent == postmaster)
            {
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
        }

        return new CpuTime(bench, TimeSpan.FromSeconds(ticks / TicksPerSecond));
    }

    public static CpuTime operator -(CpuTime after, CpuTime before)
        => new(after.Bench - before.Bench, after.Postgres - before.Postgres);

    public string PerThousand(int jobs)
    {
        var bench = Bench.TotalMilliseconds * 1000 / jobs;
        return Postgres is { } postgres
            ? string.Create(CultureInfo.InvariantCulture, $"{bench:0} / {postgres.TotalMilliseconds * 1000 / jobs:0}")
            : string.Create(CultureInfo.InvariantCulture, $"{bench:0} / -");
    }
}
