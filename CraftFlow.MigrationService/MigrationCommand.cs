namespace CraftFlow.MigrationService;

/// <summary>What the command line asked for.</summary>
public sealed record MigrationCommand(bool RollbackIndexes)
{
    public const string RollbackIndexesFlag = "--rollback-indexes";

    public static MigrationCommand Parse(string[] args) => new(args.Contains(RollbackIndexesFlag));

    /// <summary>The flags this program owns, removed before the host reads the rest as configuration.</summary>
    public static string[] HostArguments(string[] args) => args.Where(a => a != RollbackIndexesFlag).ToArray();
}
