using CraftFlow.AppHost.Resources;

namespace CraftFlow.AppHost.Hosting;

/// <summary>
/// Redis: an external server when ConnectionStrings__{name} is configured, otherwise a local
/// redis-server; without one the resource is skipped and the services run on their memory cache.
/// </summary>
public sealed class RedisResource(string name, AppHostOptions options, string? externalConnectionString, IAppHostConsole console)
    : Resource(name), IResourceWithConnectionString
{
    public RedisServer? Server { get; private set; }

    public string? ConnectionString => externalConnectionString ?? Server?.ConnectionString;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (externalConnectionString is not null)
        {
            Endpoint = $"{externalConnectionString.Split(',')[0]} (external)";
            SetState(ResourceState.Running);
            return;
        }

        if (RedisServer.FindExecutable() is null)
        {
            console.Warn(Name, "redis-server not found (Debian: apt-get install redis-server); the services run on their in-memory cache.");
            SetState(ResourceState.Skipped);
            return;
        }

        SetState(ResourceState.Starting);
        try
        {
            Server = await RedisServer.StartAsync(Path.Combine(options.DataDirectory, "redis"), persistent: options.Durable, cancellationToken);
        }
        catch (Exception e)
        {
            SetFailed(e);
            throw;
        }

        Endpoint = Server.ConnectionString;
        ProcessId = Server.ProcessId;
        SetState(ResourceState.Running);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Server is null)
        {
            return;
        }

        SetState(ResourceState.Stopping);
        await Server.DisposeAsync();
        Server = null;
        ProcessId = null;
        SetState(ResourceState.Stopped);
    }
}
