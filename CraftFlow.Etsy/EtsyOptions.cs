using Microsoft.Extensions.Options;

namespace CraftFlow.Etsy;

/// <summary>Etsy Open API v3 settings (the ETSY_* variables of <see cref="EtsySettings"/>).</summary>
public sealed class EtsyOptions
{
    public const string SectionName = "Etsy";

    public string ApiBaseUrl { get; set; } = "https://api.etsy.com";

    public string OAuthAuthorizeUrl { get; set; } = "https://www.etsy.com/oauth/connect";

    /// <summary>The app's keystring: OAuth's client_id and the first half of x-api-key.</summary>
    public string? ClientId { get; set; }

    /// <summary>The second half of x-api-key. Never logged.</summary>
    public string? SharedSecret { get; set; }

    /// <summary>Where Etsy sends the seller's browser back: this API's /api/connections/etsy/callback.</summary>
    public string? RedirectUri { get; set; }

    public string Scopes { get; set; } = "listings_r listings_w shops_r";

    /// <summary>Etsy allows about 10 requests per second per app; each process keeps under this.</summary>
    public double RequestsPerSecond { get; set; } = 10;

    /// <summary>Connections whose access token expires within this window are refreshed by the maintenance job.</summary>
    public TimeSpan TokenRefreshWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often the Worker schedules the token refresh job; well inside the window.</summary>
    public TimeSpan TokenRefreshInterval { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The settings without which nothing can be asked of Etsy, by their flat names.</summary>
    public IReadOnlyList<string> MissingSettings
    {
        get
        {
            var missing = new List<string>();
            if (string.IsNullOrWhiteSpace(ClientId))
            {
                missing.Add(EtsySettings.ClientId);
            }

            if (string.IsNullOrWhiteSpace(SharedSecret))
            {
                missing.Add(EtsySettings.SharedSecret);
            }

            if (string.IsNullOrWhiteSpace(RedirectUri))
            {
                missing.Add(EtsySettings.RedirectUri);
            }

            return missing;
        }
    }

    public bool IsConfigured => MissingSettings.Count == 0;

    /// <summary>x-api-key's value since February 2026: keystring and shared secret.</summary>
    internal string ApiKeyHeader => $"{ClientId}:{SharedSecret}";
}

/// <summary>
/// Fails start-up on a value that is set but wrong, naming the setting; settings that are absent only disable Etsy.
/// </summary>
public sealed class EtsyOptionsValidator : IValidateOptions<EtsyOptions>
{
    public ValidateOptionsResult Validate(string? name, EtsyOptions options)
    {
        var errors = new List<string>();
        RequireHttpUrl(errors, nameof(EtsyOptions.ApiBaseUrl), options.ApiBaseUrl);
        RequireHttpUrl(errors, nameof(EtsyOptions.OAuthAuthorizeUrl), options.OAuthAuthorizeUrl);
        if (!string.IsNullOrWhiteSpace(options.RedirectUri))
        {
            RequireHttpUrl(errors, nameof(EtsyOptions.RedirectUri), options.RedirectUri);
        }

        if (options.ClientId is { Length: > 0 } clientId && clientId.Any(c => char.IsWhiteSpace(c) || c == ':'))
        {
            errors.Add($"{EtsySettings.ClientId} must be the app's keystring (no spaces or colons).");
        }

        if (string.IsNullOrWhiteSpace(options.Scopes))
        {
            errors.Add($"{EtsySettings.Scopes} must name at least one scope, e.g. 'listings_r listings_w shops_r'.");
        }

        if (options.RequestsPerSecond is <= 0 or > 1000)
        {
            errors.Add($"{EtsyOptions.SectionName}:{nameof(EtsyOptions.RequestsPerSecond)} must be between 0 and 1000.");
        }

        if (options.TokenRefreshInterval <= TimeSpan.Zero || options.TokenRefreshInterval >= options.TokenRefreshWindow)
        {
            errors.Add($"{EtsyOptions.SectionName}:{nameof(EtsyOptions.TokenRefreshInterval)} must be positive and shorter than the refresh window.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void RequireHttpUrl(List<string> errors, string key, string? value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            errors.Add($"{EtsySettings.NameOf(key)} must be an absolute http(s) URL, got '{value}'.");
        }
    }
}
