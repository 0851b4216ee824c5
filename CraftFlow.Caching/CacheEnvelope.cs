namespace CraftFlow.Caching;

/// <summary>What a Redis value holds: the value, its absolute expiry, and its tags' versions at write time.</summary>
internal sealed record CacheEnvelope<T>(T Value, DateTimeOffset ExpiresAt, Dictionary<string, long>? Tags);
