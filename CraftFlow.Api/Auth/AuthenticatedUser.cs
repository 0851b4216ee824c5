namespace CraftFlow.Api.Auth;

/// <summary>What a token resolves to; small and immutable so the lookup can be cached.</summary>
public sealed record AuthenticatedUser(Guid UserId, Guid TokenId, string Email, bool IsAdmin, DateTimeOffset ExpiresAt);
