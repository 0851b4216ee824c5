using Microsoft.Extensions.Configuration;

namespace CraftFlow.AppHost;

/// <summary>How the AppHost runs the servers: the <c>AppHost</c> configuration section (appsettings, environment, command line).</summary>
public sealed class AppHostSettings
{
    public const string SectionName = "AppHost";

    /// <summary><c>auto</c> picks containers when a container runtime answers and the local server binaries otherwise.</summary>
    public ServerKind Servers { get; set; } = ServerKind.Auto;

    /// <summary>Where the local servers keep their data and the services their blobs; default <c>.craftflow/</c> at the repository root.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>True when <see cref="DataDirectory"/> was not configured, so the AppHost may place PostgreSQL's data elsewhere.</summary>
    public bool DataDirectoryIsDefault { get; private set; }

    /// <summary>The port the API answers on.</summary>
    public int ApiPort { get; set; } = 5080;

    /// <summary>False trades crash safety for speed (fsync off): for throwaway runs such as tests.</summary>
    public bool Durable { get; set; } = true;

    public static AppHostSettings Read(IDistributedApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection(SectionName).Get<AppHostSettings>() ?? new AppHostSettings();
        if (settings.ApiPort is < 0 or > 65535)
        {
            throw new DistributedApplicationException($"{SectionName}:ApiPort must be a TCP port (0 for any free one), got {settings.ApiPort}.");
        }

        settings.DataDirectoryIsDefault = string.IsNullOrWhiteSpace(settings.DataDirectory);
        settings.DataDirectory = Path.GetFullPath(
            settings.DataDirectoryIsDefault ? Path.Combine(builder.AppHostDirectory, "..", ".craftflow") : settings.DataDirectory!);
        return settings;
    }
}

public enum ServerKind
{
    Auto,
    Containers,
    Local,
}
