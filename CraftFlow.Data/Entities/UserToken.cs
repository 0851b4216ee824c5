namespace CraftFlow.Data.Entities;

/// <summary>An opaque bearer token. Only its SHA-256 is stored, so a database leak reveals no usable token.</summary>
public sealed class UserToken
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid UserId { get; set; }

    public User? User { get; set; }

    public required string Name { get; set; }

    /// <summary>SHA-256 of the token's bytes; unique.</summary>
    public required byte[] TokenHash { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}
