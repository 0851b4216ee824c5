using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CraftFlow.Data.Jobs;

public static class JobQueueServiceExtensions
{
    /// <summary>
    /// Registers the job queue for producers (API) and consumers (Worker): an <see cref="NpgsqlDataSource"/> on the
    /// same database as the DbContext, <see cref="JobQueueOptions"/> from the "JobQueue" section validated at
    /// start-up, <see cref="JobQueue"/> and the process's <see cref="JobNotificationListener"/>.
    /// Call after <see cref="DataServiceExtensions.AddCraftFlowDatabase"/>.
    /// </summary>
    public static IHostApplicationBuilder AddCraftFlowJobQueue(this IHostApplicationBuilder builder)
    {
        var connectionString = DatabaseConnection.Read(builder.Configuration);

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        builder.Services.AddOptions<JobQueueOptions>().BindConfiguration(JobQueueOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<JobQueueOptions>, JobQueueOptionsValidator>();
        builder.Services.AddSingleton<JobQueue>();
        builder.Services.AddSingleton<JobNotificationListener>();
        return builder;
    }
}
