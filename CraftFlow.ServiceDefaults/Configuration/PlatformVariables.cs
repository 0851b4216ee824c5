using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace CraftFlow.ServiceDefaults.Configuration;

/// <summary>
/// The one reader of the flat, Railway-style variables of DESIGN.md section 3. Each is checked here and copied
/// onto the configuration key its options class binds (<c>WORKER_CONCURRENCY</c> → <c>Worker:Concurrency</c>),
/// so every service reads them the same way and a bad value stops start-up with a message naming the variable.
/// Values already given under the hierarchical key (appsettings, <c>Worker__Concurrency</c>) are kept.
/// </summary>
public static class PlatformVariables
{
    public const string DatabaseConnectionName = "craftflowdb";
    public const string CacheConnectionName = "cache";

    private static readonly string[] TrueWords = ["true", "1", "yes", "on"];
    private static readonly string[] FalseWords = ["false", "0", "no", "off"];

    /// <summary>Every flat variable with the key it maps to and the values it accepts.</summary>
    public static IReadOnlyList<PlatformVariable> All { get; } =
    [
        PlatformVariable.Bool("DEBUG_LOGGING", "Platform:DebugLogging"),
        PlatformVariable.Bool("PERFORMANCE_MONITORING", "Platform:PerformanceMonitoring"),
        PlatformVariable.Integer("MEMORY_LIMIT_MB", "Platform:MemoryLimitMb", 64, 1_048_576),
        PlatformVariable.Text("RAILWAY_GIT_COMMIT_SHA", "Platform:Version"),
        PlatformVariable.Bool("ENABLE_CACHING", "Caching:Enabled"),
        PlatformVariable.Integer("CACHE_TTL_SECONDS", "Caching:DefaultTtlSeconds", 1, 86_400),
        PlatformVariable.Integer("CACHE_MAX_MEMORY_ITEMS", "Caching:MaxMemoryItems", 1, 1_000_000),
        PlatformVariable.Choice("MIGRATION_MODE", "Migration:Mode", "manual", "startup"),
        PlatformVariable.Integer("WORKER_CONCURRENCY", "Worker:Concurrency", 1, 64),
        PlatformVariable.Choice("STORAGE_PROVIDER", "Storage:Provider", "filesystem", "postgres"),
        PlatformVariable.Text("STORAGE_PATH", "Storage:Path"),
        PlatformVariable.Text("ETSY_API_BASE_URL", "Etsy:ApiBaseUrl"),
        PlatformVariable.Text("ETSY_OAUTH_AUTHORIZE_URL", "Etsy:OAuthAuthorizeUrl"),
        PlatformVariable.Text("ETSY_CLIENT_ID", "Etsy:ClientId"),
        PlatformVariable.Text("ETSY_SHARED_SECRET", "Etsy:SharedSecret"),
        PlatformVariable.Text("ETSY_REDIRECT_URI", "Etsy:RedirectUri"),
        PlatformVariable.Text("ETSY_SCOPES", "Etsy:Scopes"),
    ];

    /// <summary><c>WORKER_CONCURRENCY_IMAGE_PROCESSING=1</c> and the like: one queue's slots in this process, 0 to turn it off.</summary>
    public const string QueueConcurrencyPrefix = "WORKER_CONCURRENCY_";

    public static void Map(IConfigurationManager configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var mapped = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var variable in All)
        {
            if (configuration[variable.Name] is { } value && !string.IsNullOrWhiteSpace(value) && configuration[variable.Key] is null)
            {
                mapped[variable.Key] = variable.Normalise(value);
            }
        }

        foreach (var (name, value) in configuration.AsEnumerable())
        {
            if (name.StartsWith(QueueConcurrencyPrefix, StringComparison.OrdinalIgnoreCase) && !string.IsNullOrWhiteSpace(value))
            {
                var queue = name[QueueConcurrencyPrefix.Length..].ToLowerInvariant();
                mapped[$"Worker:QueueConcurrency:{queue}"] = PlatformVariable.Integer(name, string.Empty, 0, 64).Normalise(value);
            }
        }

        MapUrls(configuration, mapped);
        if (mapped.Count > 0)
        {
            configuration.AddInMemoryCollection(mapped);
        }
    }

    /// <summary>Railway's URLs onto Aspire's connection-string names (explicit connection strings win), and PORT onto Kestrel's URLs.</summary>
    private static void MapUrls(IConfiguration configuration, Dictionary<string, string?> mapped)
    {
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
            var number = PlatformVariable.Integer("PORT", string.Empty, 1, 65535).Normalise(port);

            // Railway routes to $PORT, over IPv4 or, on its private network, IPv6 only: "*" is Kestrel's any-address,
            // a dual-stack [::] socket (IPv4 0.0.0.0 where IPv6 is off). It wins over ASPNETCORE_URLS.
            mapped["urls"] = $"http://*:{number}";
        }
    }

    internal static bool ParseBool(string name, string value)
    {
        var word = value.Trim().ToLowerInvariant();
        return TrueWords.Contains(word) || (FalseWords.Contains(word)
            ? false
            : throw new InvalidOperationException($"{name} must be true or false, got '{value}'."));
    }

    internal static int ParseInteger(string name, string value, int min, int max) =>
        int.TryParse(value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max
            ? number
            : throw new InvalidOperationException($"{name} must be a whole number from {min} to {max}, got '{value}'.");
}

/// <summary>One flat variable: its name, the configuration key it feeds, and how its value is checked.</summary>
public sealed record PlatformVariable(string Name, string Key, Func<string, string> Normalise)
{
    public static PlatformVariable Bool(string name, string key) =>
        new(name, key, value => PlatformVariables.ParseBool(name, value) ? "true" : "false");

    public static PlatformVariable Integer(string name, string key, int min, int max) =>
        new(name, key, value => PlatformVariables.ParseInteger(name, value, min, max).ToString(CultureInfo.InvariantCulture));

    public static PlatformVariable Choice(string name, string key, params string[] choices) =>
        new(name, key, value => choices.FirstOrDefault(choice => string.Equals(choice, value.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException($"{name} must be {string.Join(" or ", choices.Select(c => $"'{c}'"))}, got '{value}'."));

    public static PlatformVariable Text(string name, string key) => new(name, key, value => value.Trim());
}
