using System.Text.Json;
using System.Text.Json.Serialization;

namespace CraftFlow.Etsy;

// Etsy Open API v3 shapes, in Etsy's names (snake_case on the wire), from the etsy-ts 8.0.1 data contracts
// that are generated from Etsy's OpenAPI document. Only the fields CraftFlow reads are declared.

/// <summary>The token endpoint's answer (authorization_code and refresh_token grants).</summary>
public sealed record EtsyTokenResponse(string AccessToken, string TokenType, int ExpiresIn, string RefreshToken)
{
    /// <summary>Etsy prefixes access tokens with the numeric user id: "12345678.abc…".</summary>
    public long? UserIdPrefix
        => AccessToken.IndexOf('.', StringComparison.Ordinal) is > 0 and var dot && long.TryParse(AccessToken.AsSpan(0, dot), out var id) ? id : null;
}

/// <summary>ISelf: GET /v3/application/users/me.</summary>
public sealed record EtsySelf(long UserId, long? ShopId);

/// <summary>IShop: GET /v3/application/shops/{shop_id}.</summary>
public sealed record EtsyShop(long ShopId, long UserId, string ShopName, string? Url);

/// <summary>IMoney.</summary>
public sealed record EtsyMoney(long Amount, int Divisor, string? CurrencyCode)
{
    public decimal Value => Divisor == 0 ? Amount : (decimal)Amount / Divisor;
}

/// <summary>IShopListing, as createDraftListing and getListingsByShop answer it.</summary>
public sealed record EtsyShopListing(
    long ListingId,
    long? ShopId,
    string? Title,
    string? Description,
    string? State,
    string? Url,
    int? Quantity,
    EtsyMoney? Price,
    long? TaxonomyId,
    long? CreatedTimestamp);

/// <summary>IShopListings.</summary>
public sealed record EtsyShopListings(int Count, IReadOnlyList<EtsyShopListing> Results);

/// <summary>IListingImage: uploadListingImage's answer.</summary>
public sealed record EtsyListingImage(long ListingImageId, long ListingId, int? Rank);

/// <summary>IErrorSchema, plus OAuth's error_description.</summary>
internal sealed record EtsyError(string? Error, string? ErrorDescription);

internal static class EtsyJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
