namespace CraftFlow.Caching.Memory;

/// <summary>
/// One value in the memory tier: the value itself (not a copy), when it stops being served, and the
/// versions its tags had when it was written (a newer tag version makes it stale). Between
/// <see cref="ExpiresAt"/> and <see cref="RetainUntil"/> it is kept only as a fail-safe answer.
/// </summary>
internal sealed record MemoryEntry(object? Value, DateTimeOffset ExpiresAt, TagVersions TagVersions)
{
    public DateTimeOffset RetainUntil { get; init; } = ExpiresAt;
}
