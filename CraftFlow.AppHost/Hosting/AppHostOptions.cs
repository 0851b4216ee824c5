using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace CraftFlow.AppHost.Hosting;

/// <summary>Command-line flags and configuration of the AppHost itself.</summary>
public sealed class AppHostOptions
{
    public const int DefaultApiPort = 5080;

    /// <summary>Where local servers keep their data between runs.</summary>
    public string DataDirectory { get; set; } = ".craftflow";

    /// <summary>Wipe <see cref="DataDirectory"/> before starting.</summary>
    public bool Fresh { get; set; }

    public string? OtlpEndpoint { get; set; }

    public int ApiPort { get; set; } = DefaultApiPort;

    /// <summary>False for throwaway test servers: fsync off.</summary>
    public bool Durable { get; set; } = true;

    /// <summary>Where the solution is, to find each project's build output.</summary>
    public string SolutionDirectory { get; set; } = FindSolutionDirectory();

    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public static AppHostOptions Parse(string[] args, IConfiguration configuration)
    {
        var options = new AppHostOptions
        {
            OtlpEndpoint = configuration["OTEL_EXPORTER_OTLP_ENDPOINT"],
            DataDirectory = configuration["AppHost:DataDirectory"] ?? ".craftflow",
        };
        if (configuration["AppHost:ApiPort"] is { } configuredPort)
        {
            options.ApiPort = ParsePort(configuredPort, "AppHost:ApiPort");
        }

        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--fresh":
                    options.Fresh = true;
                    break;
                case "--otlp-endpoint":
                    options.OtlpEndpoint = Value(args, ref i);
                    break;
                case "--api-port":
                    options.ApiPort = ParsePort(Value(args, ref i), "--api-port");
                    break;
                case "--data-dir":
                    options.DataDirectory = Value(args, ref i);
                    break;
                case "--ephemeral":
                    options.Durable = false;
                    break;
                default:
                    throw new AppHostException(
                        $"Unknown option '{args[i]}'. Options: --fresh, --otlp-endpoint URL, --api-port N, --data-dir DIR, --ephemeral.");
            }
        }

        if (options.OtlpEndpoint is { Length: > 0 } endpoint && !Uri.TryCreate(endpoint, UriKind.Absolute, out _))
        {
            throw new AppHostException($"--otlp-endpoint / OTEL_EXPORTER_OTLP_ENDPOINT must be a URL, got '{endpoint}'.");
        }

        return options;
    }

    private static string Value(string[] args, ref int i)
        => ++i < args.Length ? args[i] : throw new AppHostException($"{args[i - 1]} needs a value.");

    private static int ParsePort(string text, string setting)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 0 and <= 65535
            ? port
            : throw new AppHostException($"{setting} must be a port number (0 picks a free one), got '{text}'.");

    private static string FindSolutionDirectory()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "CraftFlow.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new AppHostException("CraftFlow.sln not found above the current directory; run the AppHost from the repository.");
    }
}
