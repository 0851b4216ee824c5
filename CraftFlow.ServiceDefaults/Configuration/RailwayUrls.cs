using System.Globalization;
using System.Text;

namespace CraftFlow.ServiceDefaults.Configuration;

/// <summary>
/// Converts the URL-style variables Railway injects (<c>DATABASE_URL</c>, <c>REDIS_URL</c>) into the
/// connection-string formats Npgsql and StackExchange.Redis read under Aspire's names.
/// </summary>
public static class RailwayUrls
{
    private const int DefaultPostgresPort = 5432;
    private const int DefaultRedisPort = 6379;

    // libpq URL query options and the Npgsql keywords they correspond to.
    private static readonly Dictionary<string, string> PostgresQueryKeywords = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sslmode"] = "SSL Mode",
        ["application_name"] = "Application Name",
        ["connect_timeout"] = "Timeout",
        ["target_session_attrs"] = "Target Session Attributes",
        ["options"] = "Options",
        ["sslrootcert"] = "Root Certificate",
        ["sslcert"] = "SSL Certificate",
        ["sslkey"] = "SSL Key",
        ["channel_binding"] = "Channel Binding",
    };

    /// <summary>postgres[ql]://user:pass@host[:port]/db[?sslmode=require&amp;…] → Npgsql keyword string.</summary>
    public static string ToNpgsqlConnectionString(string databaseUrl)
    {
        var uri = Parse(databaseUrl, "DATABASE_URL", "postgres", "postgresql");
        var (user, password) = ReadUserInfo(uri);
        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));

        var parts = new List<KeyValuePair<string, string>>
        {
            new("Host", uri.Host),
            new("Port", (uri.IsDefaultPort || uri.Port < 0 ? DefaultPostgresPort : uri.Port).ToString(CultureInfo.InvariantCulture)),
        };
        if (database.Length > 0)
        {
            parts.Add(new("Database", database));
        }

        if (user is not null)
        {
            parts.Add(new("Username", user));
        }

        if (password is not null)
        {
            parts.Add(new("Password", password));
        }

        foreach (var (key, value) in ReadQuery(uri))
        {
            if (!PostgresQueryKeywords.TryGetValue(key, out var keyword))
            {
                throw new FormatException($"DATABASE_URL has an unsupported query option '{key}'.");
            }

            parts.Add(new(keyword, keyword == "SSL Mode" ? NormaliseSslMode(value) : value));
        }

        return Join(parts);
    }

    /// <summary>redis[s]://[user][:pass@]host[:port][/db] → "host:port,password=…,defaultDatabase=N[,ssl=true]".</summary>
    public static string ToRedisConnectionString(string redisUrl)
    {
        var uri = Parse(redisUrl, "REDIS_URL", "redis", "rediss");
        var (user, password) = ReadUserInfo(uri);
        var port = uri.IsDefaultPort || uri.Port < 0 ? DefaultRedisPort : uri.Port;
        var builder = new StringBuilder().Append(CultureInfo.InvariantCulture, $"{uri.Host}:{port}");
        if (!string.IsNullOrEmpty(user) && !string.Equals(user, "default", StringComparison.Ordinal))
        {
            builder.Append(CultureInfo.InvariantCulture, $",user={user}");
        }

        if (!string.IsNullOrEmpty(password))
        {
            builder.Append(CultureInfo.InvariantCulture, $",password={password}");
        }

        var database = uri.AbsolutePath.Trim('/');
        if (database.Length > 0)
        {
            if (!int.TryParse(database, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                throw new FormatException($"REDIS_URL database '{database}' is not a number.");
            }

            builder.Append(CultureInfo.InvariantCulture, $",defaultDatabase={index}");
        }

        if (uri.Scheme == "rediss")
        {
            builder.Append(",ssl=true");
        }

        return builder.ToString();
    }

    private static Uri Parse(string url, string variable, params string[] schemes)
    {
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || !schemes.Contains(uri.Scheme))
        {
            throw new FormatException($"{variable} must look like {schemes[0]}://user:password@host:port/…");
        }

        if (string.IsNullOrEmpty(uri.Host))
        {
            throw new FormatException($"{variable} has no host.");
        }

        return uri;
    }

    private static (string? User, string? Password) ReadUserInfo(Uri uri)
    {
        if (string.IsNullOrEmpty(uri.UserInfo))
        {
            return (null, null);
        }

        var separator = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
        return separator < 0
            ? (Uri.UnescapeDataString(uri.UserInfo), null)
            : (Uri.UnescapeDataString(uri.UserInfo[..separator]), Uri.UnescapeDataString(uri.UserInfo[(separator + 1)..]));
    }

    private static IEnumerable<(string Key, string Value)> ReadQuery(Uri uri)
    {
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var separator = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(separator < 0 ? pair : pair[..separator]);
            var value = separator < 0 ? string.Empty : Uri.UnescapeDataString(pair[(separator + 1)..].Replace('+', ' '));
            yield return (key, value);
        }
    }

    // libpq spells modes in lower case with dashes; Npgsql's enum has no dashes.
    private static string NormaliseSslMode(string mode) => mode.Replace("-", string.Empty, StringComparison.Ordinal);

    private static string Join(IEnumerable<KeyValuePair<string, string>> parts)
        => string.Join(';', parts.Select(p => $"{p.Key}={Quote(p.Value)}"));

    // Npgsql's parser accepts double-quoted values with doubled quotes inside.
    private static string Quote(string value)
        => value.IndexOfAny([';', '=', '"', '\'', ' ']) < 0 && value.Length > 0
            ? value
            : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
