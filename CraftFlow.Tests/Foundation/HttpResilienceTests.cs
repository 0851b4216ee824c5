using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CraftFlow.Tests.Foundation;

/// <summary>Every HttpClient from the container carries the standard resilience pipeline of AddServiceDefaults.</summary>
public sealed class HttpResilienceTests
{
    [Fact]
    public async Task A_transient_503_is_retried_and_a_400_is_not()
    {
        var calls = new Dictionary<string, int>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var server = builder.Build();
        server.MapGet("/{name}", (string name) =>
        {
            lock (calls)
            {
                calls[name] = calls.GetValueOrDefault(name) + 1;
                return name == "flaky" && calls[name] == 1 ? Results.StatusCode(503) : name == "bad" ? Results.BadRequest() : Results.Ok();
            }
        });
        await server.StartAsync();

        var host = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        host.Configuration.AddInMemoryCollection([new("PERFORMANCE_MONITORING", "false")]);
        host.AddServiceDefaults();
        using var services = host.Build();
        var client = services.Services.GetRequiredService<IHttpClientFactory>().CreateClient();
        client.BaseAddress = new Uri(server.Urls.First());

        using var flaky = await client.GetAsync("/flaky");
        using var bad = await client.GetAsync("/bad");

        Assert.Equal(HttpStatusCode.OK, flaky.StatusCode);
        Assert.Equal(2, calls["flaky"]);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(1, calls["bad"]);
    }
}
