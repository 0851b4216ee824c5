using System.ComponentModel.DataAnnotations;
using CraftFlow.Data.Jobs;
using CraftFlow.Worker.Designs;
using CraftFlow.Worker.Handlers;
using CraftFlow.Worker.Jobs;
using Microsoft.Extensions.Options;

namespace CraftFlow.Worker;

public static class WorkerServiceExtensions
{
    /// <summary>
    /// Everything the Worker runs: a consumer per queue with WORKER_CONCURRENCY slots each, the LISTEN connection,
    /// the lease rescuer and prune schedule and the job handlers. Call after
    /// <see cref="JobQueueServiceExtensions.AddCraftFlowJobQueue"/> (and the service defaults, which map the variables).
    /// </summary>
    public static IHostApplicationBuilder AddCraftFlowWorker(this IHostApplicationBuilder builder)
    {
        // Which consumers exist is decided now, so the settings are read (and checked) now too.
        var settings = WorkerOptions.Read(builder.Configuration);
        Validator.ValidateObject(settings, new ValidationContext(settings), validateAllProperties: true);
        builder.Services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        // The host waits for the consumers' grace period, plus time to write the releases.
        builder.Services.AddOptions<HostOptions>().Configure<IOptions<JobQueueOptions>>((host, queue) =>
            host.ShutdownTimeout = queue.Value.ShutdownGracePeriod + TimeSpan.FromSeconds(10));

        builder.Services.AddSingleton<IJobHandler, PruneJobsHandler>();
        builder.Services.AddSingleton<JobHandlerRegistry>();
        builder.Services.AddSingleton(services => new JobRescuer(
            services.GetRequiredService<JobQueue>(),
            services.GetRequiredService<JobNotificationListener>(),
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILogger<JobRescuer>>()));

        builder.Services.AddHealthChecks().AddCheck<JobQueueHealthCheck>("job_queue");
        builder.Services.AddHostedService<JobNotificationListenerService>();
        builder.Services.AddHostedService<JobMaintenanceService>();
        foreach (var queueName in JobQueues.All.Where(queue => settings.ConcurrencyFor(queue) > 0))
        {
            // AddSingleton, not AddHostedService: the latter keeps one registration per implementation type.
            builder.Services.AddSingleton<IHostedService>(services => new QueueConsumerService(new JobConsumer(
                queueName,
                services.GetRequiredService<IOptions<WorkerOptions>>().Value.ConcurrencyFor(queueName),
                services.GetRequiredService<JobQueue>(),
                services.GetRequiredService<JobNotificationListener>(),
                services.GetRequiredService<JobHandlerRegistry>(),
                services.GetRequiredService<TimeProvider>(),
                services.GetRequiredService<ILogger<JobConsumer>>())));
        }

        return builder;
    }

    /// <summary>Runs process_design_batch jobs with the given processor (the imaging one in the Worker, a stand-in in tests).</summary>
    public static IHostApplicationBuilder AddDesignBatchProcessing<TProcessor>(this IHostApplicationBuilder builder)
        where TProcessor : class, IDesignProcessor
    {
        builder.Services.AddSingleton<IDesignProcessor, TProcessor>();
        builder.Services.AddSingleton<IJobHandler, ProcessDesignBatchHandler>();
        return builder;
    }
}
