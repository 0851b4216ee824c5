using CraftFlow.AppHost.Hosting;
using Microsoft.Extensions.Configuration;

namespace CraftFlow.Tests.Infrastructure;

/// <summary>
/// The AppHost's resource model in-process, for integration tests (what Aspire.Hosting.Testing gives):
/// throwaway servers on free loopback ports, in a temporary directory removed afterwards.
/// </summary>
public sealed class TestAppHost : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"craftflow-apphost-{Guid.NewGuid():N}");

    private TestAppHost(Action<DistributedApplicationBuilder> compose)
    {
        var options = new AppHostOptions { DataDirectory = _directory, Durable = false, ApiPort = 0 };
        var builder = DistributedApplication.CreateBuilder(options, new ConfigurationBuilder().Build(), new SilentConsole());
        compose(builder);
        Application = builder.Build();
    }

    public DistributedApplication Application { get; }

    /// <summary>Only the servers: PostgreSQL with the craftflowdb database, and Redis.</summary>
    public static async Task<TestAppHost> StartServersAsync()
    {
        var host = new TestAppHost(builder =>
        {
            builder.AddPostgres("postgres").AddDatabase("craftflowdb");
            builder.AddRedis("cache");
        });
        await host.Application.StartAsync();
        return host;
    }

    public string DatabaseConnectionString => Application.Resource<PostgresDatabaseResource>("craftflowdb").ConnectionString!;

    public string? CacheConnectionString => Application.Resource<RedisResource>("cache").ConnectionString;

    public async ValueTask DisposeAsync()
    {
        await Application.StopAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private sealed class SilentConsole : IAppHostConsole
    {
        public void Line(string resource, string text)
        {
        }

        public void Warn(string resource, string text)
        {
        }

        public void Table(IReadOnlyList<Resource> resources)
        {
        }
    }
}
