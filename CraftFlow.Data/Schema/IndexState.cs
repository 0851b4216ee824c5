namespace CraftFlow.Data.Schema;

/// <summary>What pg_indexes and pg_index say about one performance index.</summary>
public sealed record IndexState(string Name, string Table, string? Definition, bool IsValid)
{
    public bool Exists => Definition is not null;
}
