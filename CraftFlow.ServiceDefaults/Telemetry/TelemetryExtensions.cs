using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CraftFlow.ServiceDefaults.Telemetry;

public static class TelemetryExtensions
{
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// Traces, metrics and logs over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set (the variable an Aspire
    /// AppHost injects). Built with the SDK's own builders because OpenTelemetry.Extensions.Hosting and
    /// the instrumentation packages are not in our registry; the platform's native sources and meters
    /// carry the same data.
    /// </summary>
    public static IHostApplicationBuilder ConfigureOpenTelemetry(this IHostApplicationBuilder builder)
    {
        // .NET 10 leaves HTTP attributes off request spans unless this switch is false.
        AppContext.SetSwitch("Microsoft.AspNetCore.Hosting.SuppressActivityOpenTelemetryData", false);

        if (string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointKey]))
        {
            return builder;
        }

        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] ?? builder.Environment.ApplicationName;
        var version = builder.Configuration["RAILWAY_GIT_COMMIT_SHA"] ?? "unknown";
        var resource = ResourceBuilder.CreateDefault().AddService(serviceName, serviceVersion: version);

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.SetResourceBuilder(resource);
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
            logging.AddOtlpExporter(otlp => ConfigureExporter(otlp, builder.Configuration, "v1/logs"));
        });

        builder.Services.AddSingleton(_ => Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .AddSource(CraftFlowTelemetry.TraceSources)
            .AddProcessor(new ProbeTraceFilter())
            .AddOtlpExporter(otlp => ConfigureExporter(otlp, builder.Configuration, "v1/traces"))
            .Build());
        builder.Services.AddSingleton(_ => Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter(CraftFlowTelemetry.Meters)
            .AddOtlpExporter(otlp => ConfigureExporter(otlp, builder.Configuration, "v1/metrics"))
            .Build());
        builder.Services.AddHostedService<TelemetryProviders>();
        return builder;
    }

    /// <summary>
    /// Reads the standard OTEL_EXPORTER_OTLP_* settings from configuration rather than only the process
    /// environment, so appsettings and command-line values count too. Over http/protobuf each signal has
    /// its own path under the endpoint; gRPC takes the endpoint as it is.
    /// </summary>
    private static void ConfigureExporter(OtlpExporterOptions otlp, IConfiguration configuration, string signalPath)
    {
        var endpoint = configuration[OtlpEndpointKey]!.TrimEnd('/');
        var httpProtobuf = string.Equals(configuration["OTEL_EXPORTER_OTLP_PROTOCOL"], "http/protobuf", StringComparison.OrdinalIgnoreCase);
        otlp.Protocol = httpProtobuf ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        otlp.Endpoint = new Uri(httpProtobuf ? $"{endpoint}/{signalPath}" : endpoint);
        if (configuration["OTEL_EXPORTER_OTLP_HEADERS"] is { Length: > 0 } headers)
        {
            otlp.Headers = headers;
        }
    }

    /// <summary>Builds the providers as the host starts, so the first requests are already observed.</summary>
    private sealed class TelemetryProviders(TracerProvider tracerProvider, MeterProvider meterProvider) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            GC.KeepAlive(tracerProvider);
            GC.KeepAlive(meterProvider);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            tracerProvider.ForceFlush(2000);
            meterProvider.ForceFlush(2000);
            return Task.CompletedTask;
        }
    }
}
