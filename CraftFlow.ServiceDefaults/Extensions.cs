using CraftFlow.ServiceDefaults;
using CraftFlow.ServiceDefaults.Configuration;
using CraftFlow.ServiceDefaults.Health;
using CraftFlow.ServiceDefaults.Resilience;
using CraftFlow.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every CraftFlow service shares, in the shape of an Aspire ServiceDefaults project:
/// configuration mapping, OpenTelemetry, health checks and HTTP resilience.
/// </summary>
public static class ServiceDefaultsExtensions
{
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.AddRailwayConfiguration();
        var settings = PlatformSettings.Read(builder.Configuration);
        builder.Services.AddSingleton(settings);
        if (settings.DebugLogging)
        {
            builder.Logging.AddFilter("CraftFlow", LogLevel.Debug);
        }

        if (settings.PerformanceMonitoring)
        {
            builder.Services.AddSingleton<RequestMetrics>();
            builder.Services.AddHostedService(services => services.GetRequiredService<RequestMetrics>());
            builder.Services.AddTransient<IStartupFilter, RequestMetrics.StartupFilter>();
        }

        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();

        builder.Services.TryAddSingleton(TimeProvider.System);
        var pipeline = ResilientHttpHandler.CreateStandardPipeline();
        builder.Services.ConfigureHttpClientDefaults(http => http.AddHttpMessageHandler(() => new ResilientHttpHandler(pipeline)));
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

        app.MapHealthChecks(HealthEndpoints.HealthPath, new HealthCheckOptions
        {
            Predicate = registration => registration.Name != "self",
            ResponseWriter = HealthReportWriter.WriteAsync,
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });
        app.MapHealthChecks(HealthEndpoints.AlivePath, new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains(HealthEndpoints.LiveTag),
        });
        return app;
    }
}
