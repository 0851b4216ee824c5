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

            // Railway routes to 0.0.0.0:$PORT; it wins over ASPNETCORE_URLS.
            mapped["urls"] = $"http://0.0.0.0:{portNumber}";
        }

        if (mapped.Count > 0)
        {
            configuration.AddInMemoryCollection(mapped);
        }

        return builder;
    }
}
