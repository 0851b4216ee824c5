using CraftFlow.Data.Entities;
using CraftFlow.Etsy;

namespace CraftFlow.Api.Etsy;

/// <summary>Where to send the seller's browser, and the state Etsy will hand back to the callback.</summary>
public sealed record AuthorizeResponse(string AuthorizeUrl, string State);

public sealed record ConnectionResponse(
    Guid Id,
    string Platform,
    string? ShopId,
    string? ShopName,
    long? EtsyUserId,
    bool IsActive,
    string? InactiveReason,
    string? Scopes,
    DateTimeOffset? TokenExpiresAt,
    DateTimeOffset? TokenRefreshedAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static ConnectionResponse From(PlatformConnection c) => new(
        c.Id, c.Platform, c.ShopId, c.ShopName, c.ExternalUserId, c.IsActive, c.InactiveReason, c.Scopes, c.TokenExpiresAt,
        c.TokenRefreshedAt, c.CreatedAt, c.UpdatedAt);
}

/// <summary>
/// POST /api/listings: which connection and which image (a design or a mockup), and createDraftListing's fields
/// in Etsy's names at the top level.
/// </summary>
public sealed record CreateListingRequest : EtsyDraftListing
{
    public Guid? ConnectionId { get; init; }

    public Guid? DesignId { get; init; }

    public Guid? MockupId { get; init; }
}

public sealed record ListingResponse(
    Guid Id,
    Guid ConnectionId,
    Guid? DesignId,
    Guid? MockupId,
    string Status,
    string Title,
    string? Description,
    decimal Price,
    int Quantity,
    EtsyDraftListing Draft,
    long? EtsyListingId,
    string? EtsyState,
    string? EtsyUrl,
    string? ErrorMessage,
    Guid? JobId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? PublishedAt)
{
    public static ListingResponse From(EtsyListing l) => new(
        l.Id, l.ConnectionId, l.DesignImageId, l.MockupId, l.Status.ToString().ToLowerInvariant(), l.Title, l.Description, l.Price,
        l.Quantity, EtsyDraftListing.FromJson(l.Draft), l.ExternalListingId, l.EtsyState, l.EtsyUrl, l.ErrorMessage, l.JobId,
        l.CreatedAt, l.UpdatedAt, l.PublishedAt);
}

public sealed record ListingAccepted(ListingResponse Listing, Guid JobId);
