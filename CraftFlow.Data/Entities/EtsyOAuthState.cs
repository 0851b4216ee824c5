namespace CraftFlow.Data.Entities;

/// <summary>
/// One OAuth authorization in flight: the state handed to Etsy, whose user it is for, and the PKCE verifier
/// (encrypted) that redeems the code. Single use: the callback deletes it as it reads it.
/// </summary>
public sealed class EtsyOAuthState
{
    /// <summary>SHA-256 (hex) of the state parameter: the state travels through the browser, the table holds only its hash.</summary>
    public required string StateHash { get; set; }

    public Guid UserId { get; set; }

    public User? User { get; set; }

    public required string CodeVerifierEncrypted { get; set; }

    public required string RedirectUri { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }
}
