using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Extensions.Options;

namespace CraftFlow.Etsy;

/// <summary>
/// The typed client of Etsy Open API v3 that the API and the Worker share. Every request carries
/// <c>x-api-key: keystring:shared secret</c> (set on the HttpClient); user calls take the connection's access token.
/// Retries, timeouts, the circuit breaker and the rate limit are the handlers' job (see <see cref="EtsyServiceExtensions"/>).
/// </summary>
public sealed class EtsyClient(HttpClient http, IOptions<EtsyOptions> options)
{
    public const string ApiKeyHeader = "x-api-key";

    private const string TokenPath = "/v3/public/oauth/token";

    /// <summary>The image formats Etsy takes for listing images.</summary>
    public static readonly IReadOnlyList<string> ImageContentTypes = ["image/jpeg", "image/png", "image/gif"];

    private readonly EtsyOptions _options = options.Value;

    /// <summary>Where the seller's browser goes to grant access: Etsy's consent page with our PKCE challenge.</summary>
    public string BuildAuthorizeUrl(string state, string codeChallenge)
    {
        var query = new Dictionary<string, string>
        {
            ["response_type"] = "code",
            ["client_id"] = _options.ClientId!,
            ["redirect_uri"] = _options.RedirectUri!,
            ["scope"] = _options.Scopes,
            ["state"] = state,
            ["code_challenge"] = codeChallenge,
            ["code_challenge_method"] = Pkce.Method,
        };
        var separator = _options.OAuthAuthorizeUrl.Contains('?', StringComparison.Ordinal) ? "&" : "?";
        return _options.OAuthAuthorizeUrl + separator + string.Join('&', query.Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}"));
    }

    public Task<EtsyTokenResponse> ExchangeCodeAsync(string code, string codeVerifier, string redirectUri, CancellationToken cancellationToken)
        => RequestTokenAsync("exchange_code", new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = _options.ClientId!,
            ["redirect_uri"] = redirectUri,
            ["code"] = code,
            ["code_verifier"] = codeVerifier,
        }, cancellationToken);

    public Task<EtsyTokenResponse> RefreshAsync(string refreshToken, CancellationToken cancellationToken)
        => RequestTokenAsync("refresh_token", new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = _options.ClientId!,
            ["refresh_token"] = refreshToken,
        }, cancellationToken);

    public Task<EtsySelf> GetMeAsync(string accessToken, CancellationToken cancellationToken)
        => SendAsync<EtsySelf>("get_me", () => Authorized(HttpMethod.Get, "/v3/application/users/me", accessToken), null, null, cancellationToken);

    public Task<EtsyShop> GetShopAsync(long shopId, string accessToken, CancellationToken cancellationToken)
        => SendAsync<EtsyShop>("get_shop", () => Authorized(HttpMethod.Get, $"/v3/application/shops/{shopId}", accessToken), shopId, null, cancellationToken);

    public Task<EtsyShopListing> CreateDraftListingAsync(long shopId, EtsyDraftListing draft, string accessToken, CancellationToken cancellationToken)
        => SendAsync<EtsyShopListing>("create_draft_listing", () =>
        {
            var request = Authorized(HttpMethod.Post, $"/v3/application/shops/{shopId}/listings", accessToken);
            request.Content = new FormUrlEncodedContent(draft.ToForm());
            return request;
        }, shopId, null, cancellationToken);

    /// <summary>One page of the shop's draft listings, newest first as Etsy sorts them by default.</summary>
    public Task<EtsyShopListings> GetDraftListingsAsync(long shopId, int offset, int limit, string accessToken, CancellationToken cancellationToken)
        => SendAsync<EtsyShopListings>("get_draft_listings", () => Authorized(
            HttpMethod.Get,
            string.Create(CultureInfo.InvariantCulture, $"/v3/application/shops/{shopId}/listings?state=draft&limit={limit}&offset={offset}"),
            accessToken), shopId, null, cancellationToken);

    /// <summary>
    /// Uploads an image at a rank, replacing whatever is there (overwrite), so sending it again after a lost answer
    /// leaves one image, not two.
    /// </summary>
    public Task<EtsyListingImage> UploadListingImageAsync(
        long shopId, long listingId, byte[] image, string fileName, string contentType, int rank, string accessToken, CancellationToken cancellationToken)
        => SendAsync<EtsyListingImage>("upload_listing_image", () =>
        {
            var request = Authorized(HttpMethod.Post, $"/v3/application/shops/{shopId}/listings/{listingId}/images", accessToken);
            var file = new ByteArrayContent(image);
            file.Headers.ContentType = new MediaTypeHeaderValue(contentType);
            request.Content = new MultipartFormDataContent
            {
                { file, "image", fileName },
                { new StringContent(rank.ToString(CultureInfo.InvariantCulture)), "rank" },
                { new StringContent("true"), "overwrite" },
            };
            return request;
        }, shopId, listingId, cancellationToken);

    private async Task<EtsyTokenResponse> RequestTokenAsync(string operation, Dictionary<string, string> form, CancellationToken cancellationToken)
        => await SendAsync<EtsyTokenResponse>(operation, () => new HttpRequestMessage(HttpMethod.Post, TokenPath)
        {
            Content = new FormUrlEncodedContent(form),
        }, null, null, cancellationToken);

    private static HttpRequestMessage Authorized(HttpMethod method, string path, string accessToken)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return request;
    }

    private async Task<T> SendAsync<T>(
        string operation, Func<HttpRequestMessage> createRequest, long? shopId, long? listingId, CancellationToken cancellationToken)
    {
        if (!_options.IsConfigured)
        {
            throw new EtsyNotConfiguredException(_options.MissingSettings);
        }

        using var activity = EtsyTelemetry.Start(operation, shopId, listingId);
        try
        {
            using var request = createRequest();
            using var response = await http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw await EtsyApiException.ReadAsync(response, cancellationToken);
            }

            activity?.SetTag("http.response.status_code", (int)response.StatusCode);
            return await response.Content.ReadFromJsonAsync<T>(EtsyJson.Options, cancellationToken)
                ?? throw new EtsyApiException(response.StatusCode, $"Etsy's answer to {operation} was empty.");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e is EtsyApiException etsy ? etsy.Message : e.GetType().Name);
            throw;
        }
    }
}

/// <summary>Etsy calls are disabled: the named settings are missing.</summary>
public sealed class EtsyNotConfiguredException(IReadOnlyList<string> missing)
    : InvalidOperationException($"Etsy is not configured: set {string.Join(", ", missing)}.");
