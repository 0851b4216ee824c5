using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CraftFlow.AppHost.Resources;
using CraftFlow.Tests.Infrastructure;

namespace CraftFlow.Tests.Monitoring;

/// <summary>The built API as its own process in Production, as Railway runs it, read from its console.</summary>
public sealed class ServiceLogTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Production_logs_are_one_json_object_per_line_with_trace_ids_and_never_a_secret()
    {
        await Migrations.MigrateAsync(database.ConnectionString);
        var port = FreePort.Next();
        const string password = "correct horse battery staple";
        const string etsySecret = "etsy-shared-secret-that-must-not-leak";
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var api = StartApi(port, output, new Dictionary<string, string>
        {
            ["DEBUG_LOGGING"] = "true",
            ["ETSY_SHARED_SECRET"] = etsySecret,
        });
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        string token;
        try
        {
            // A cold start probed by a caller that gives up quickly, as an orchestrator's first probes do.
            await Eventually.UntilAsync(async () => await ProbeAsync(client, TimeSpan.FromMilliseconds(50)), ok => ok, TimeSpan.FromSeconds(60), "the API to answer /health");

            var email = $"seller-{Guid.NewGuid():N}@example.com";
            (await client.PostAsJsonAsync("/api/auth/register", new { email, password })).EnsureSuccessStatusCode();
            using var login = await client.PostAsJsonAsync("/api/auth/login", new { email, password });
            token = (await ApiFixture.ReadJsonAsync(login)).GetProperty("token").GetProperty("token").GetString()!;
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            (await client.GetAsync("/api/me")).EnsureSuccessStatusCode();
            (await client.PostAsync("/api/designs", ApiFixture.Files(("design.png", ApiFixture.Png())))).EnsureSuccessStatusCode();
            (await client.GetAsync("/api/designs")).EnsureSuccessStatusCode();
        }
        finally
        {
            PosixSignals.Send(api.Id, PosixSignals.Terminate);
            await api.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        }

        var lines = output.Where(line => line.Length > 0).ToList();
        Assert.NotEmpty(lines);
        var events = lines.Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.All(events, e => Assert.True(e.TryGetProperty("Category", out _) && e.TryGetProperty("Message", out _), e.ToString()));
        Assert.Contains(events, e => e.TryGetProperty("Scopes", out var scopes)
            && scopes.EnumerateArray().Any(scope => scope.ValueKind == JsonValueKind.Object && scope.TryGetProperty("TraceId", out _) && scope.TryGetProperty("SpanId", out _)));
        foreach (var secret in new[] { password, token, etsySecret })
        {
            Assert.DoesNotContain(lines, line => line.Contains(secret, StringComparison.Ordinal));
        }

        Assert.DoesNotContain(lines, line => line.Contains("OperationCanceledException", StringComparison.Ordinal));
    }

    private static async Task<bool> ProbeAsync(HttpClient client, TimeSpan patience)
    {
        try
        {
            using var timeout = new CancellationTokenSource(patience);
            using var response = await client.GetAsync("/health", timeout.Token);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            return false;
        }
    }

    private Process StartApi(int port, System.Collections.Concurrent.ConcurrentQueue<string> output, Dictionary<string, string> settings)
    {
        var startInfo = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "CraftFlow.Api.dll")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        startInfo.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        startInfo.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        startInfo.Environment["ConnectionStrings__craftflowdb"] = database.ConnectionString;
        startInfo.Environment["STORAGE_PATH"] = Path.Combine(Path.GetTempPath(), $"craftflow-logs-{Guid.NewGuid():N}");
        startInfo.Environment["Monitoring__LimitGcHeap"] = "false";
        startInfo.Environment.Remove("ConnectionStrings__cache");
        startInfo.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        foreach (var (key, value) in settings)
        {
            startInfo.Environment[key] = value;
        }

        var process = Process.Start(startInfo)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { output.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { output.Enqueue(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
