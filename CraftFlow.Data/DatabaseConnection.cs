using Microsoft.Extensions.Configuration;
using Npgsql;

namespace CraftFlow.Data;

/// <summary>The connection-string name (Aspire's resource name) and the pool settings of the seed guide.</summary>
public static class DatabaseConnection
{
    public const string Name = "craftflowdb";

    /// <summary>
    /// Applies the seed deployment guide's pool: SQLAlchemy's pool_size 10 + max_overflow 20 is at most
    /// 30 connections; recycled after 1800 s; 10 s to connect; 30 s per command; JIT off because the
    /// planner's JIT costs more than it saves on short OLTP queries.
    /// </summary>
    public static string ApplyDefaults(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!Contains(connectionString, "Maximum Pool Size", "Max Pool Size", "MaxPoolSize"))
        {
            builder.MaxPoolSize = 30;
        }

        if (!Contains(connectionString, "Connection Lifetime", "ConnectionLifetime"))
        {
            builder.ConnectionLifetime = 1800;
        }

        if (!Contains(connectionString, "Timeout"))
        {
            builder.Timeout = 10;
        }

        if (!Contains(connectionString, "Command Timeout", "CommandTimeout"))
        {
            builder.CommandTimeout = 30;
        }

        // Statements sent again and again (the job queue's claim and record, EF's hot queries) are prepared on each
        // physical connection after a few uses, which skips parsing and planning: about a third of PostgreSQL's CPU
        // per job in bench/CraftFlow.QueueBench.
        if (!Contains(connectionString, "Max Auto Prepare", "MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = 32;
        }

        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = "craftflow";
        }

        if (string.IsNullOrEmpty(builder.Options))
        {
            builder.Options = "-c jit=off";
        }

        // The migrator opens its own unpooled sessions from the data source's connection string,
        // which Npgsql strips of the password unless told to keep it.
        builder.PersistSecurityInfo = true;
        return builder.ConnectionString;
    }

    /// <summary>The configured connection string with the pool defaults applied; a missing one fails start-up naming the settings.</summary>
    public static string Read(IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString(Name);
        return string.IsNullOrWhiteSpace(connectionString)
            ? throw new InvalidOperationException($"No database configured: set ConnectionStrings__{Name} or DATABASE_URL.")
            : ApplyDefaults(connectionString);
    }

    private static bool Contains(string connectionString, params string[] keys)
        => connectionString.Split(';')
            .Select(part => part.Split('=', 2)[0].Trim())
            .Any(key => keys.Any(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase)));
}
