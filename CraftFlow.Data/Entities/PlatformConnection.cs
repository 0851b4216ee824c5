namespace CraftFlow.Data.Entities;

/// <summary>A seller's connected shop. Tokens are encrypted at rest (Data Protection) before they reach this entity.</summary>
public sealed class PlatformConnection : ITimestamped
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid UserId { get; set; }

    public User? User { get; set; }

    /// <summary>"etsy" today; the column leaves room for other marketplaces.</summary>
    public required string Platform { get; set; }

    public string? ShopId { get; set; }

    public string? ShopName { get; set; }

    public required string AccessTokenEncrypted { get; set; }

    public string? RefreshTokenEncrypted { get; set; }

    public DateTimeOffset? TokenExpiresAt { get; set; }

    public string? Scopes { get; set; }

    public bool IsActive { get; set; } = true;

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Token refresh and a user's disconnect can race; xmin makes the loser retry.</summary>
    public uint Version { get; set; }
}
