namespace CraftFlow.Data.Schema;

public sealed class MigrationOptions
{
    public const string SectionName = "Migration";

    /// <summary>MIGRATION_MODE: <see cref="MigrationMode.Startup"/> makes the API migrate before it serves.</summary>
    public MigrationMode Mode { get; set; } = MigrationMode.Manual;

    /// <summary>How long an unreachable database is retried before the migration gives up.</summary>
    public TimeSpan ConnectDeadline { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>First retry delay; doubled after each failed attempt, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan InitialRetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(8);
}

public enum MigrationMode
{
    Manual,
    Startup,
}
