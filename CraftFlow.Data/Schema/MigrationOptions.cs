namespace CraftFlow.Data.Schema;

public sealed class MigrationOptions
{
    public const string SectionName = "Migration";

    /// <summary>How long an unreachable database is retried before the migration gives up.</summary>
    public TimeSpan ConnectDeadline { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>First retry delay; doubled after each failed attempt, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan InitialRetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(8);
}
