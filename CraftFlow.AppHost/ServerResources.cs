using CraftFlow.AppHost.Resources;
using Microsoft.Extensions.Configuration;

namespace CraftFlow.AppHost;

/// <summary>
/// PostgreSQL and Redis for the graph, in one of three shapes: a server that already runs (its connection
/// string in the AppHost's configuration), Aspire's containers with data volumes where a container runtime
/// answers, or executables over the local server binaries (this machine, CI).
/// </summary>
public static class ServerResources
{
    public static IResourceBuilder<IResourceWithConnectionString> AddCraftFlowPostgres(
        this IDistributedApplicationBuilder builder, AppHostSettings settings, [ResourceName] string serverName, [ResourceName] string databaseName)
    {
        if (!string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(databaseName)))
        {
            return builder.AddConnectionString(databaseName);
        }

        if (UseContainers(settings))
        {
            return builder.AddPostgres(serverName).WithDataVolume().AddDatabase(databaseName);
        }

        var dataDirectory = LocalPostgres.ChooseDataDirectory(Path.Combine(settings.DataDirectory!, "postgres"), mayMove: settings.DataDirectoryIsDefault);
        return builder.AddLocalPostgres(serverName, dataDirectory, settings.Durable).AddDatabase(databaseName);
    }

    /// <summary>Redis, or null when there is none to run: the services then cache in memory only.</summary>
    public static IResourceBuilder<IResourceWithConnectionString>? AddCraftFlowRedis(
        this IDistributedApplicationBuilder builder, AppHostSettings settings, [ResourceName] string name)
    {
        if (!string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(name)))
        {
            return builder.AddConnectionString(name);
        }

        if (UseContainers(settings))
        {
            return builder.AddRedis(name).WithDataVolume();
        }

        return LocalRedis.FindExecutable() is { } redisServer
            ? builder.AddLocalRedis(name, redisServer, Path.Combine(settings.DataDirectory!, "redis"))
            : null;
    }

    private static bool UseContainers(AppHostSettings settings) => settings.Servers switch
    {
        ServerKind.Containers => true,
        ServerKind.Local => false,
        _ => ContainerRuntimeAnswers.Value,
    };

    // `docker version` answers from the client alone; `info` needs the engine. Asked once per AppHost run.
    private static readonly Lazy<bool> ContainerRuntimeAnswers = new(() =>
        ProcessRunner.Succeeds("docker", ["info", "--format", "{{.ServerVersion}}"])
        || ProcessRunner.Succeeds("podman", ["info", "--format", "{{.Version.Version}}"]));
}
