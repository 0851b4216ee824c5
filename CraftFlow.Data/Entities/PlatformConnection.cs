namespace CraftFlow.Data.Entities;

/// <summary>A seller's connected shop. Tokens are encrypted at rest (Data Protection) before they reach this entity.</summary>
public sealed class PlatformConnection : ITimestamped
{
    /// <summary>The one marketplace today; the column leaves room for others.</summary>
    public const string Etsy = "etsy";

    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid UserId { get; set; }

    public User? User { get; set; }

    /// <summary>"etsy" today; the column leaves room for other marketplaces.</summary>
    public required string Platform { get; set; }

    public string? ShopId { get; set; }

    public string? ShopName { get; set; }

    /// <summary>The marketplace's numeric user id (the prefix of Etsy's access tokens).</summary>
    public long? ExternalUserId { get; set; }

    /// <summary>Null once the seller disconnects: the tokens are erased, the row stays for the listings that name it.</summary>
    public string? AccessTokenEncrypted { get; set; }

    public string? RefreshTokenEncrypted { get; set; }

    public DateTimeOffset? TokenExpiresAt { get; set; }

    public string? Scopes { get; set; }

    public bool IsActive { get; set; } = true;

    /// <summary>Why the connection stopped working (a refused token refresh), in words the seller can act on.</summary>
    public string? InactiveReason { get; set; }

    /// <summary>When the seller disconnected the shop; such a connection is gone from the API.</summary>
    public DateTimeOffset? DisconnectedAt { get; set; }

    public DateTimeOffset? TokenRefreshedAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Token refresh and a user's disconnect can race; xmin makes the loser retry.</summary>
    public uint Version { get; set; }
}
