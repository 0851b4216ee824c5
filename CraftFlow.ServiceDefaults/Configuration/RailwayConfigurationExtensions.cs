using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace CraftFlow.ServiceDefaults.Configuration;

public static class RailwayConfigurationExtensions
{
    public const string DatabaseConnectionName = "craftflowdb";
    public const string CacheConnectionName = "cache";

    /// <summary>
    /// Maps Railway's variables onto the names Aspire uses, so the services read one set of settings
    /// locally, under an AppHost and on Railway. Explicit connection strings win over the URLs.
    /// </summary>
    public static IHostApplicationBuilder AddRailwayConfiguration(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var mapped = new Dictionary<string, string?>();

        if (string.IsNullOrWhiteSpace(configuration.GetConnectionString(DatabaseConnectionName))
            && configuration["DATABASE_URL"] is { Length: > 0 } databaseUrl)
        {
            mapped[$"ConnectionStrings:{DatabaseConnectionName}"] = RailwayUrls.ToNpgsqlConnectionString(databaseUrl);
        }

        if (string.IsNullOrWhiteSpace(configuration.GetConnectionString(CacheConnectionName))
            && configuration["REDIS_URL"] is { Length: > 0 } redisUrl)
        {
            mapped[$"ConnectionStrings:{CacheConnectionName}"] = RailwayUrls.ToRedisConnectionString(redisUrl);
        }

        if (configuration["PORT"] is { Length: > 0 } port)
        {
            if (!int.TryParse(port, out var portNumber) || portNumber is < 1 or > 65535)
            {
                throw new FormatException($"PORT must be a TCP port number, got '{port}'.");
            }

            // Railway's private network can be IPv6-only. "*" makes Kestrel bind [::] dual-stack (IPv6 and
            // IPv4 on one socket) and fall back to 0.0.0.0 where the host has no IPv6. It wins over ASPNETCORE_URLS.
            mapped["urls"] = $"http://*:{portNumber}";
        }

        if (mapped.Count > 0)
        {
            configuration.AddInMemoryCollection(mapped);
        }

        return builder;
    }
}
