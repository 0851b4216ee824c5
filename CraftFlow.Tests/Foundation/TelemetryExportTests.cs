using System.Collections.Concurrent;
using System.Text;
using CraftFlow.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

namespace CraftFlow.Tests.Foundation;

/// <summary>OTLP export to a collector on loopback: what an Aspire dashboard or Jaeger would receive.</summary>
public sealed class TelemetryExportTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Traces_metrics_and_logs_reach_the_collector_and_health_probes_stay_out_of_traces()
    {
        var received = new ConcurrentBag<(string Path, byte[] Body)>();
        await using var collector = await StartCollectorAsync(received);
        var endpoint = collector.Urls.First();

        await using (var api = new ApiFactory(database.ConnectionString, new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_SERVICE_NAME"] = "api-under-test",
        }))
        {
            using var client = api.CreateClient();
            await client.GetAsync("/openapi/v1.json");
            await client.GetAsync("/health");
            await client.GetAsync("/alive");
        }

        // Disposing the host flushes the exporters; the last batches may still be on the wire.
        await Eventually.UntilAsync(
            () => Task.FromResult(received.Select(r => r.Path).Distinct().Count()), count => count == 3, TimeSpan.FromSeconds(15), "traces, metrics and logs");
        var traces = Concat(received.Where(r => r.Path == "/v1/traces"));
        Assert.Contains("api-under-test", traces, StringComparison.Ordinal);
        // Server spans carry url.path as a whole string attribute value; other tests' HttpClient calls to
        // their own /health (client spans, url.full) may share this process's listeners, so match whole values.
        Assert.Contains(AttributeValue("/openapi/v1.json"), traces, StringComparison.Ordinal);
        Assert.DoesNotContain(AttributeValue("/health"), traces, StringComparison.Ordinal);
        Assert.DoesNotContain(AttributeValue("/alive"), traces, StringComparison.Ordinal);
        Assert.Contains("http.server.request.duration", Concat(received.Where(r => r.Path == "/v1/metrics")), StringComparison.Ordinal);
        Assert.Contains(received, r => r.Path == "/v1/logs");
    }

    /// <summary>A string attribute value as OTLP's protobuf encodes it: field 1, length-delimited, then the UTF-8 bytes.</summary>
    private static string AttributeValue(string value) => "\n" + (char)value.Length + value;

    private static string Concat(IEnumerable<(string Path, byte[] Body)> requests)
        => string.Join('\n', requests.Select(r => Encoding.UTF8.GetString(r.Body)));

    private static async Task<WebApplication> StartCollectorAsync(ConcurrentBag<(string, byte[])> received)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapPost("/v1/{signal}", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            received.Add((request.Path.Value!, body.ToArray()));
            return Results.Ok();
        });
        await app.StartAsync();
        return app;
    }
}
