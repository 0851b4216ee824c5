using CraftFlow.Data.Jobs;
using CraftFlow.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CraftFlow.Tests.Jobs;

/// <summary>A migrated database of the class's own and a data source on it; tests start with <see cref="ResetAsync"/>.</summary>
public sealed class JobQueueFixture : DatabaseFixture
{
    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await Migrations.MigrateAsync(ConnectionString);
        DataSource = NpgsqlDataSource.Create(ConnectionString);
    }

    public override async Task DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await base.DisposeAsync();
    }

    /// <summary>Tests of a class share its database: each starts from an empty jobs table.</summary>
    public async Task ResetAsync() => await ExecuteAsync("TRUNCATE jobs, upload_batches, design_images, users CASCADE");

    /// <summary>A queue on the class's database; <paramref name="dataSource"/> gives it connections of its own.</summary>
    public JobQueue CreateQueue(TimeProvider timeProvider, Action<JobQueueOptions>? configure = null, NpgsqlDataSource? dataSource = null)
    {
        var options = new JobQueueOptions();
        configure?.Invoke(options);
        var validation = new JobQueueOptionsValidator().Validate(null, options);
        Assert.True(validation.Succeeded, validation.FailureMessage);
        return new JobQueue(dataSource ?? DataSource, Options.Create(options), timeProvider);
    }

    public JobConsumer CreateConsumer(JobQueue queue, string queueName, int concurrency, JobNotificationListener? listener, params IJobHandler[] handlers)
        => new(queueName, concurrency, queue, listener, new JobHandlerRegistry(handlers), TimeProvider.System, NullLogger<JobConsumer>.Instance);

    public JobNotificationListener CreateListener()
        => new(DataSource, TimeProvider.System, NullLogger<JobNotificationListener>.Instance);

    public async Task ExecuteAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        var value = await command.ExecuteScalarAsync();
        return (T)Convert.ChangeType(value!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    public Task<long> CountAsync(string where) => ScalarAsync<long>($"SELECT count(*) FROM jobs WHERE {where}");
}

/// <summary>A handler made of a lambda, so each test says what its jobs do.</summary>
public sealed class DelegateJobHandler(string kind, Func<Job, CancellationToken, Task> handle) : IJobHandler
{
    public string Kind => kind;

    public Task HandleAsync(Job job, CancellationToken cancellationToken) => handle(job, cancellationToken);
}
