using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace CraftFlow.Tests.Infrastructure;

/// <summary>The API in-process on a real database; extra settings go in as configuration, as env vars would.</summary>
public sealed class ApiFactory(string connectionString, IDictionary<string, string?>? settings = null)
    : WebApplicationFactory<CraftFlow.Api.ApiEntryPoint>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:craftflowdb", connectionString);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }
    }
}
