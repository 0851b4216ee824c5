namespace CraftFlow.Caching.Memory;

/// <summary>
/// One value in the memory tier: the value itself (not a copy), when it stops being served, and the
/// versions its tags had when it was written (a newer tag version makes it stale).
/// </summary>
internal sealed record MemoryEntry(object? Value, DateTimeOffset ExpiresAt, TagVersions TagVersions);
