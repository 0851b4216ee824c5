using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace CraftFlow.Tests.Infrastructure;

/// <summary>The Worker in-process on a real database and the same blob storage as an <see cref="ApiFactory"/>.</summary>
public sealed class WorkerFactory(string connectionString, string storagePath, IDictionary<string, string?>? settings = null)
    : WebApplicationFactory<CraftFlow.Worker.WorkerEntryPoint>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:craftflowdb", connectionString);
        builder.UseSetting("STORAGE_PATH", storagePath);
        // NOTIFY wakes the consumers; a short poll keeps a lost notification from stalling a test.
        builder.UseSetting("JobQueue:PollInterval", "00:00:01");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>Builds and starts the host, so its consumers run.</summary>
    public void Start() => _ = Services;
}
