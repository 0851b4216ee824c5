using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace CraftFlow.Etsy;

/// <summary>Etsy answered with an error status; <see cref="EtsyError"/> is Etsy's own text, which sellers are shown.</summary>
public sealed class EtsyApiException(HttpStatusCode statusCode, string etsyError, string? oauthError = null)
    : Exception($"Etsy answered {(int)statusCode}: {etsyError}")
{
    private const int MaxErrorLength = 1000;

    public HttpStatusCode StatusCode { get; } = statusCode;

    public string EtsyError { get; } = etsyError;

    /// <summary>OAuth's error code (invalid_grant, …) from the token endpoint.</summary>
    public string? OAuthError { get; } = oauthError;

    /// <summary>The token is expired or revoked: refresh once and retry.</summary>
    public bool IsUnauthorized => StatusCode == HttpStatusCode.Unauthorized;

    internal static async Task<EtsyApiException> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string text;
        string? code = null;
        try
        {
            var error = await response.Content.ReadFromJsonAsync<EtsyError>(EtsyJson.Options, cancellationToken);
            code = error?.Error;
            text = error?.ErrorDescription ?? error?.Error ?? response.ReasonPhrase ?? "no error text";
        }
        catch (JsonException)
        {
            text = response.ReasonPhrase ?? "no error text";
        }
        catch (NotSupportedException)
        {
            text = response.ReasonPhrase ?? "no error text";
        }

        return new EtsyApiException(response.StatusCode, text.Length > MaxErrorLength ? text[..MaxErrorLength] : text, code);
    }
}
