using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace CraftFlow.Tests.Infrastructure;

/// <summary>The API in-process on a real database; extra settings go in as configuration, as env vars would.</summary>
public sealed class ApiFactory(string connectionString, IDictionary<string, string?>? settings = null, TimeProvider? timeProvider = null)
    : WebApplicationFactory<CraftFlow.Api.ApiEntryPoint>
{
    public string StoragePath { get; } = Path.Combine(Path.GetTempPath(), $"craftflow-blobs-{Guid.NewGuid():N}");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:craftflowdb", connectionString);
        builder.UseSetting("STORAGE_PATH", StoragePath);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }

        if (timeProvider is not null)
        {
            builder.ConfigureTestServices(services => services.AddSingleton(timeProvider));
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(StoragePath))
        {
            Directory.Delete(StoragePath, recursive: true);
        }
    }
}
