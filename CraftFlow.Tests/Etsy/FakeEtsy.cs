using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CraftFlow.Tests.Etsy;

/// <summary>
/// Etsy Open API v3 on 127.0.0.1, for what we do not own. It enforces the contract CraftFlow must meet — the
/// <c>x-api-key: keystring:shared secret</c> header (403 with Etsy's message otherwise), PKCE S256 at the token
/// endpoint, bearer tokens prefixed with the numeric user id, createDraftListing's required fields and enum
/// values (etsy-ts 8.0.1's ICreateDraftListingPayload) — and injects 429s with Retry-After, 500s, slow answers,
/// answers lost after the work is done, and expired or refused tokens.
/// </summary>
public sealed class FakeEtsy : IAsyncDisposable
{
    public const string Keystring = "cfkeystring1234";
    public const string SharedSecret = "cf-shared-secret";
    public const string SharedSecretMissing = "Shared secret is required in x-api-key header.";

    private static readonly string[] WhoMade = ["i_did", "someone_else", "collective"];
    private static readonly string[] WhenMade =
    [
        "made_to_order", "2020_2026", "2010_2019", "2007_2009", "before_2007", "2000_2006", "1990s", "1980s", "1970s",
        "1960s", "1950s", "1940s", "1930s", "1920s", "1910s", "1900s", "1800s", "1700s", "before_1700",
    ];
    private static readonly string[] Types = ["physical", "download", "both"];

    private readonly WebApplication _app;
    private readonly object _gate = new();
    private readonly Dictionary<long, Seller> _sellers = [];
    private readonly Dictionary<string, PendingCode> _codes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AccessToken> _accessTokens = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _refreshTokens = new(StringComparer.Ordinal);
    private readonly List<(long UserId, string Token)> _issuedRefreshTokens = [];
    private readonly List<Listing> _listings = [];
    private readonly ConcurrentQueue<Fault> _faults = new();
    private readonly ConcurrentQueue<RequestRecord> _requests = new();
    private long _nextListingId = 4_000_000_000;
    private long _nextImageId = 7_000_000_000;

    private FakeEtsy(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = string.Empty;

    public string AuthorizeUrl => BaseUrl + "/oauth/connect";

    /// <summary>The seller signed in to Etsy in the "browser" that visits the consent page.</summary>
    public long SignedInUserId { get; set; }

    public IReadOnlyList<RequestRecord> Requests => [.. _requests];

    public IReadOnlyList<Listing> Listings
    {
        get
        {
            lock (_gate)
            {
                return [.. _listings];
            }
        }
    }

    public int Count(string operation) => _requests.Count(r => r.Operation == operation);

    public static async Task<FakeEtsy> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeEtsy(app);
        fake.Map(app);
        await app.StartAsync();
        fake.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return fake;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    public void AddSeller(long userId, long shopId, string shopName)
    {
        lock (_gate)
        {
            _sellers[userId] = new Seller(userId, shopId, shopName);
        }
    }

    /// <summary>The next <paramref name="times"/> requests of an operation answer this status (with Retry-After if given).</summary>
    public void Fail(string operation, HttpStatusCode status, int times = 1, int? retryAfterSeconds = null)
    {
        for (var i = 0; i < times; i++)
        {
            _faults.Enqueue(new Fault(operation, status, retryAfterSeconds, null, false));
        }
    }

    /// <summary>The next <paramref name="times"/> requests of an operation answer 200 with a page that is not JSON (a proxy's).</summary>
    public void Garble(string operation, int times)
    {
        for (var i = 0; i < times; i++)
        {
            _faults.Enqueue(new Fault(operation, null, null, null, false, Garbled: true));
        }
    }

    /// <summary>The next request of an operation waits this long before it is handled.</summary>
    public void Delay(string operation, TimeSpan delay) => _faults.Enqueue(new Fault(operation, null, null, delay, false));

    /// <summary>The next request of an operation is carried out, and then never answered (the answer is lost).</summary>
    public void LoseAnswer(string operation) => _faults.Enqueue(new Fault(operation, null, null, null, true));

    /// <summary>Every access token issued so far is expired: calls with them answer 401.</summary>
    public void ExpireAccessTokens()
    {
        lock (_gate)
        {
            foreach (var token in _accessTokens.Keys.ToList())
            {
                _accessTokens[token] = _accessTokens[token] with { ExpiresAt = DateTimeOffset.UtcNow.AddSeconds(-1) };
            }
        }
    }

    /// <summary>The seller revoked the app: their refresh tokens are refused with invalid_grant.</summary>
    public void RevokeRefreshTokens(long userId)
    {
        lock (_gate)
        {
            foreach (var token in _refreshTokens.Where(t => t.Value == userId).Select(t => t.Key).ToList())
            {
                _refreshTokens.Remove(token);
            }
        }
    }

    public bool IsCurrentAccessToken(string token)
    {
        lock (_gate)
        {
            return _accessTokens.TryGetValue(token, out var access) && access.ExpiresAt > DateTimeOffset.UtcNow;
        }
    }

    /// <summary>Every refresh token issued to the user, spent or not.</summary>
    public IReadOnlyList<string> RefreshTokensOf(long userId)
    {
        lock (_gate)
        {
            return _issuedRefreshTokens.Where(t => t.UserId == userId).Select(t => t.Token).ToList();
        }
    }

    public IReadOnlyList<string> AccessTokensOf(long userId)
    {
        lock (_gate)
        {
            return _accessTokens.Where(t => t.Value.UserId == userId).Select(t => t.Key).ToList();
        }
    }

    private void Map(WebApplication app)
    {
        app.MapGet("/oauth/connect", Consent);
        app.MapPost("/v3/public/oauth/token", context => Run(context, "token", Token));
        app.MapGet("/v3/application/users/me", context => Run(context, "me", Me));
        app.MapGet("/v3/application/shops/{shopId:long}", context => Run(context, "shop", Shop));
        app.MapPost("/v3/application/shops/{shopId:long}/listings", context => Run(context, "create", CreateDraftListing));
        app.MapGet("/v3/application/shops/{shopId:long}/listings", context => Run(context, "drafts", ListingsByShop));
        app.MapPost("/v3/application/shops/{shopId:long}/listings/{listingId:long}/images", context => Run(context, "upload", UploadImage));
    }

    /// <summary>Etsy's consent page, with the seller agreeing at once: back to redirect_uri with a code.</summary>
    private IResult Consent(HttpContext context)
    {
        var query = context.Request.Query;
        var problems = new List<string>();
        if (query["response_type"] != "code")
        {
            problems.Add("response_type must be code");
        }

        if (query["client_id"] != Keystring)
        {
            problems.Add("unknown client_id");
        }

        if (query["code_challenge_method"] != "S256")
        {
            problems.Add("code_challenge_method must be S256");
        }

        if (string.IsNullOrEmpty(query["code_challenge"]) || string.IsNullOrEmpty(query["state"]) || string.IsNullOrEmpty(query["redirect_uri"]))
        {
            problems.Add("code_challenge, state and redirect_uri are required");
        }

        var scopes = query["scope"].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (!scopes.Contains("listings_w") || !scopes.Contains("shops_r"))
        {
            problems.Add("scope must include listings_w and shops_r");
        }

        if (problems.Count > 0)
        {
            return Results.BadRequest(new { error = "invalid_request", error_description = string.Join("; ", problems) });
        }

        var code = RandomToken();
        lock (_gate)
        {
            _codes[code] = new PendingCode(SignedInUserId, query["redirect_uri"]!, query["code_challenge"]!, DateTimeOffset.UtcNow.AddMinutes(5));
        }

        return Results.Redirect($"{query["redirect_uri"]}?code={Uri.EscapeDataString(code)}&state={Uri.EscapeDataString(query["state"]!)}");
    }

    private async Task Run(HttpContext context, string operation, Func<HttpContext, Task<IResult>> handle)
    {
        _requests.Enqueue(new RequestRecord(operation, context.Request.Method, DateTimeOffset.UtcNow));
        var apiKey = context.Request.Headers["x-api-key"].ToString();
        if (!apiKey.Contains(':', StringComparison.Ordinal))
        {
            await Error(StatusCodes.Status403Forbidden, SharedSecretMissing).ExecuteAsync(context);
            return;
        }

        if (apiKey != $"{Keystring}:{SharedSecret}")
        {
            await Error(StatusCodes.Status403Forbidden, "Invalid API key").ExecuteAsync(context);
            return;
        }

        var fault = TakeFault(operation);
        if (fault?.Delay is { } delay)
        {
            await Task.Delay(delay, context.RequestAborted);
        }

        if (fault?.Status is { } status)
        {
            if (fault.RetryAfterSeconds is { } seconds)
            {
                context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            }

            await Error((int)status, status == HttpStatusCode.TooManyRequests ? "Too many requests" : "Internal error").ExecuteAsync(context);
            return;
        }

        if (fault?.Garbled == true)
        {
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync("<html><body>Down for maintenance</body></html>", context.RequestAborted);
            return;
        }

        var result = await handle(context);
        if (fault?.LoseAnswer == true)
        {
            // The work is done; the answer never leaves (a crash or a cut connection on the way back).
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }

        await result.ExecuteAsync(context);
    }

    private Fault? TakeFault(string operation)
    {
        lock (_faults)
        {
            var all = new List<Fault>();
            Fault? taken = null;
            while (_faults.TryDequeue(out var fault))
            {
                if (taken is null && fault.Operation == operation)
                {
                    taken = fault;
                }
                else
                {
                    all.Add(fault);
                }
            }

            foreach (var fault in all)
            {
                _faults.Enqueue(fault);
            }

            return taken;
        }
    }

    private async Task<IResult> Token(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        if (form["client_id"] != Keystring)
        {
            return OAuthError("invalid_client", "client_id is unknown");
        }

        lock (_gate)
        {
            switch (form["grant_type"].ToString())
            {
                case "authorization_code":
                    if (!_codes.Remove(form["code"].ToString(), out var pending) || pending.ExpiresAt < DateTimeOffset.UtcNow)
                    {
                        return OAuthError("invalid_grant", "code is invalid or expired");
                    }

                    if (pending.RedirectUri != form["redirect_uri"])
                    {
                        return OAuthError("invalid_grant", "redirect_uri does not match");
                    }

                    var challenge = Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(form["code_verifier"].ToString())))
                        .TrimEnd('=').Replace('+', '-').Replace('/', '_');
                    if (challenge != pending.CodeChallenge)
                    {
                        return OAuthError("invalid_grant", "code_verifier does not match the code_challenge");
                    }

                    return Results.Json(Issue(pending.UserId));
                case "refresh_token":
                    if (!_refreshTokens.Remove(form["refresh_token"].ToString(), out var userId))
                    {
                        return OAuthError("invalid_grant", "refresh_token is invalid or revoked");
                    }

                    return Results.Json(Issue(userId));
                default:
                    return OAuthError("unsupported_grant_type", "grant_type must be authorization_code or refresh_token");
            }
        }
    }

    private object Issue(long userId)
    {
        var access = $"{userId}.{RandomToken()}";
        var refresh = $"{userId}.{RandomToken()}";
        _accessTokens[access] = new AccessToken(userId, DateTimeOffset.UtcNow.AddSeconds(3600));
        _refreshTokens[refresh] = userId;
        _issuedRefreshTokens.Add((userId, refresh));
        return new { access_token = access, token_type = "Bearer", expires_in = 3600, refresh_token = refresh };
    }

    private Task<IResult> Me(HttpContext context) => Task.FromResult(Authenticated(context, out var seller, out var error)
        ? Results.Json(new { user_id = seller!.UserId, shop_id = seller.ShopId })
        : error!);

    private Task<IResult> Shop(HttpContext context)
    {
        var shopId = long.Parse(context.Request.RouteValues["shopId"]!.ToString()!, CultureInfo.InvariantCulture);
        lock (_gate)
        {
            var seller = _sellers.Values.SingleOrDefault(s => s.ShopId == shopId);
            return Task.FromResult(seller is null
                ? Error(StatusCodes.Status404NotFound, $"Shop {shopId} not found")
                : Results.Json(new { shop_id = seller.ShopId, user_id = seller.UserId, shop_name = seller.ShopName, url = $"https://www.etsy.com/shop/{seller.ShopName}" }));
        }
    }

    private async Task<IResult> CreateDraftListing(HttpContext context)
    {
        if (OwnerOfRouteShop(context, out var seller) is { } refused)
        {
            return refused;
        }

        if (!context.Request.HasFormContentType || context.Request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.Ordinal) != true)
        {
            return Error(StatusCodes.Status400BadRequest, "createDraftListing takes application/x-www-form-urlencoded");
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        foreach (var required in new[] { "quantity", "title", "description", "price", "who_made", "when_made", "taxonomy_id" })
        {
            if (string.IsNullOrEmpty(form[required]))
            {
                return Error(StatusCodes.Status400BadRequest, $"Expected parameter '{required}' to be provided.");
            }
        }

        if (!WhoMade.Contains(form["who_made"].ToString()))
        {
            return Error(StatusCodes.Status400BadRequest, "who_made must be one of i_did, someone_else, collective.");
        }

        if (!WhenMade.Contains(form["when_made"].ToString()))
        {
            return Error(StatusCodes.Status400BadRequest, "when_made is not an allowed value.");
        }

        var type = form["type"].ToString() is { Length: > 0 } given ? given : "physical";
        if (!Types.Contains(type))
        {
            return Error(StatusCodes.Status400BadRequest, "type must be one of physical, download, both.");
        }

        if (type == "physical" && string.IsNullOrEmpty(form["shipping_profile_id"]))
        {
            return Error(StatusCodes.Status400BadRequest, "shipping_profile_id is required for a physical listing.");
        }

        if (!int.TryParse(form["quantity"], NumberStyles.None, CultureInfo.InvariantCulture, out var quantity) || quantity < 1
            || !decimal.TryParse(form["price"], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var price) || price <= 0
            || !long.TryParse(form["taxonomy_id"], NumberStyles.None, CultureInfo.InvariantCulture, out var taxonomyId) || taxonomyId < 1)
        {
            return Error(StatusCodes.Status400BadRequest, "quantity, price and taxonomy_id must be positive numbers.");
        }

        if (taxonomyId == 999_999)
        {
            return Error(StatusCodes.Status400BadRequest, "Taxonomy ID 999999 is not a valid seller taxonomy.");
        }

        Listing listing;
        lock (_gate)
        {
            listing = new Listing(
                ++_nextListingId, seller!.ShopId, form["title"]!, form["description"]!, quantity, price, taxonomyId,
                form["who_made"]!, form["when_made"]!, type,
                form["tags"].ToString() is { Length: > 0 } tags ? tags.Split(',') : [],
                DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            _listings.Add(listing);
        }

        return Results.Json(ToShopListing(listing), statusCode: StatusCodes.Status201Created);
    }

    private Task<IResult> ListingsByShop(HttpContext context)
    {
        if (OwnerOfRouteShop(context, out var seller) is { } refused)
        {
            return Task.FromResult(refused);
        }

        var state = context.Request.Query["state"].ToString() is { Length: > 0 } s ? s : "active";
        var limit = int.TryParse(context.Request.Query["limit"], out var l) ? Math.Clamp(l, 1, 100) : 25;
        var offset = int.TryParse(context.Request.Query["offset"], out var o) ? Math.Max(0, o) : 0;
        lock (_gate)
        {
            var matching = _listings.Where(x => x.ShopId == seller!.ShopId && x.State == state)
                .OrderByDescending(x => x.CreatedTimestamp).ThenByDescending(x => x.ListingId).ToList();
            return Task.FromResult(Results.Json(new { count = matching.Count, results = matching.Skip(offset).Take(limit).Select(ToShopListing) }));
        }
    }

    private async Task<IResult> UploadImage(HttpContext context)
    {
        if (OwnerOfRouteShop(context, out _) is { } refused)
        {
            return refused;
        }

        var listingId = long.Parse(context.Request.RouteValues["listingId"]!.ToString()!, CultureInfo.InvariantCulture);
        if (!context.Request.HasFormContentType)
        {
            return Error(StatusCodes.Status400BadRequest, "uploadListingImage takes multipart/form-data");
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        if (form.Files.GetFile("image") is not { Length: > 0 } file)
        {
            return Error(StatusCodes.Status400BadRequest, "Expected an image file in 'image'.");
        }

        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer, context.RequestAborted);
        var rank = int.TryParse(form["rank"], out var r) ? r : 1;
        var overwrite = form["overwrite"] == "true";
        lock (_gate)
        {
            var listing = _listings.SingleOrDefault(x => x.ListingId == listingId);
            if (listing is null)
            {
                return Error(StatusCodes.Status404NotFound, $"Listing {listingId} not found");
            }

            if (overwrite)
            {
                listing.Images.RemoveAll(i => i.Rank == rank);
            }

            var image = new ListingImage(++_nextImageId, rank, file.ContentType, buffer.ToArray());
            listing.Images.Add(image);
            return Results.Json(new { listing_id = listingId, listing_image_id = image.ListingImageId, rank }, statusCode: StatusCodes.Status201Created);
        }
    }

    /// <summary>The bearer token must be current and its user-id prefix its owner's; the shop in the route must be theirs.</summary>
    private IResult? OwnerOfRouteShop(HttpContext context, out Seller? seller)
    {
        if (!Authenticated(context, out seller, out var error))
        {
            return error;
        }

        var shopId = long.Parse(context.Request.RouteValues["shopId"]!.ToString()!, CultureInfo.InvariantCulture);
        return seller!.ShopId == shopId ? null : Error(StatusCodes.Status403Forbidden, "The shop does not belong to the authenticated user.");
    }

    private bool Authenticated(HttpContext context, out Seller? seller, out IResult? error)
    {
        seller = null;
        error = null;
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            error = Error(StatusCodes.Status401Unauthorized, "Missing bearer token", "invalid_token");
            return false;
        }

        var token = header["Bearer ".Length..];
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        lock (_gate)
        {
            if (dot <= 0 || !long.TryParse(token.AsSpan(0, dot), out var prefix) || !_accessTokens.TryGetValue(token, out var access) || access.UserId != prefix)
            {
                error = Error(StatusCodes.Status401Unauthorized, "Invalid access token", "invalid_token");
                return false;
            }

            if (access.ExpiresAt <= DateTimeOffset.UtcNow)
            {
                error = Error(StatusCodes.Status401Unauthorized, "access token is expired", "invalid_token");
                return false;
            }

            seller = _sellers[access.UserId];
            return true;
        }
    }

    private static object ToShopListing(Listing l) => new
    {
        listing_id = l.ListingId,
        shop_id = l.ShopId,
        title = l.Title,
        description = l.Description,
        state = l.State,
        url = $"https://www.etsy.com/listing/{l.ListingId}",
        quantity = l.Quantity,
        price = new { amount = (long)(l.Price * 100), divisor = 100, currency_code = "USD" },
        taxonomy_id = l.TaxonomyId,
        who_made = l.WhoMade,
        when_made = l.WhenMade,
        listing_type = l.Type,
        tags = l.Tags,
        created_timestamp = l.CreatedTimestamp,
    };

    private static IResult Error(int status, string message, string? code = null)
        => Results.Json(code is null ? new { error = message } : new { error = code, error_description = message }, statusCode: status);

    private static IResult OAuthError(string code, string description)
        => Results.Json(new { error = code, error_description = description }, statusCode: StatusCodes.Status400BadRequest);

    private static string RandomToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    public sealed record RequestRecord(string Operation, string Method, DateTimeOffset At);

    public sealed record Listing(
        long ListingId, long ShopId, string Title, string Description, int Quantity, decimal Price, long TaxonomyId,
        string WhoMade, string WhenMade, string Type, string[] Tags, long CreatedTimestamp)
    {
        public string State { get; } = "draft";

        public List<ListingImage> Images { get; } = [];
    }

    public sealed record ListingImage(long ListingImageId, int Rank, string? ContentType, byte[] Bytes);

    private sealed record Seller(long UserId, long ShopId, string ShopName);

    private sealed record PendingCode(long UserId, string RedirectUri, string CodeChallenge, DateTimeOffset ExpiresAt);

    private sealed record AccessToken(long UserId, DateTimeOffset ExpiresAt);

    private sealed record Fault(string Operation, HttpStatusCode? Status, int? RetryAfterSeconds, TimeSpan? Delay, bool LoseAnswer, bool Garbled = false);
}
