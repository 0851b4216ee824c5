using CraftFlow.ServiceDefaults;
using CraftFlow.ServiceDefaults.Configuration;
using CraftFlow.ServiceDefaults.Health;
using CraftFlow.ServiceDefaults.Monitoring;
using CraftFlow.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every CraftFlow service shares, in the shape of Aspire's ServiceDefaults template: the platform's
/// variables, OpenTelemetry, health checks, service discovery and HTTP resilience.
/// </summary>
public static class ServiceDefaultsExtensions
{
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.AddPlatformSettings();
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });
        return builder;
    }

    /// <summary>Maps the flat variables once, binds <see cref="PlatformOptions"/>, and turns on what they ask for.</summary>
    public static TBuilder AddPlatformSettings<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        PlatformVariables.Map(builder.Configuration);
        builder.Services.AddOptions<PlatformOptions>().BindConfiguration(PlatformOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);

        var platform = PlatformOptions.Read(builder.Configuration);
        if (platform.DebugLogging)
        {
            foreach (var category in CraftFlowTelemetry.DebugLoggingCategories)
            {
                builder.Logging.AddFilter(category, LogLevel.Debug);
            }
        }

        // FusionCache logs every call at Information: kept at Warning unless DEBUG_LOGGING asks for everything.
        builder.Logging.AddFilter(CraftFlowTelemetry.FusionCacheLogCategory, platform.DebugLogging ? LogLevel.Debug : LogLevel.Warning);

        builder.Services.AddOptions<MonitoringOptions>().BindConfiguration(MonitoringOptions.SectionName)
            .Validate(o => o.SlowRequestThreshold > TimeSpan.Zero && o.MemorySampleInterval > TimeSpan.Zero, "Monitoring intervals must be positive.")
            .Validate(o => o.SummaryEveryRequests > 0 && o.LatencySamplesPerRoute > 0 && o.OperationGrowthWarningMb > 0, "Monitoring counts must be positive.")
            .Validate(o => o.MemoryWarningFraction is > 0 and <= 1 && o.GcHeapShare is > 0 and <= 1, "Monitoring fractions must be in (0, 1].")
            .ValidateOnStart();
        builder.Services.AddSingleton<ProcessUsage>();
        builder.Services.AddSingleton<MemoryMonitor>();
        builder.Services.AddHostedService(services => services.GetRequiredService<MemoryMonitor>());
        if (platform.PerformanceMonitoring)
        {
            builder.Services.AddSingleton<RequestMonitor>();
            builder.Services.AddTransient<IStartupFilter, RequestMonitor.StartupFilter>();
        }

        if (!builder.Environment.IsDevelopment())
        {
            // One JSON object per event, with the trace and span ids, for Railway's log search.
            builder.Logging.AddJsonConsole(json =>
            {
                json.IncludeScopes = true;
                json.UseUtcTimestamp = true;
                json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
            builder.Logging.Configure(logging => logging.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        }

        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        // .NET 10 leaves HTTP attributes off request spans unless this switch is false.
        AppContext.SetSwitch("Microsoft.AspNetCore.Hosting.SuppressActivityOpenTelemetryData", false);

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(
                builder.Configuration["OTEL_SERVICE_NAME"] ?? builder.Environment.ApplicationName,
                serviceVersion: PlatformOptions.Read(builder.Configuration).Version))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(CraftFlowTelemetry.Name))
            .WithTracing(tracing => tracing
                .AddSource(CraftFlowTelemetry.Name)
                .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context => !HealthEndpoints.IsProbe(context.Request.Path))
                .AddHttpClientInstrumentation());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [HealthEndpoints.LiveTag])
            .AddCheck<MemoryHealthCheck>("memory");
        return builder;
    }

    /// <summary>Maps /health (readiness, JSON) and /alive (liveness) in every environment: Railway probes /health in production.</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapGet(HealthEndpoints.HealthPath, HealthReportWriter.AnswerAsync).ExcludeFromDescription();
        app.MapHealthChecks(HealthEndpoints.AlivePath, new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains(HealthEndpoints.LiveTag),
        });
        return app;
    }
}
