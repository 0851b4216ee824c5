using Microsoft.Extensions.Configuration;

namespace CraftFlow.Etsy;

/// <summary>
/// The flat ETSY_* variables (DESIGN.md section 3) and their mapping onto the <c>Etsy</c> configuration section,
/// the same way ServiceDefaults maps Railway's DATABASE_URL onto ConnectionStrings: a value given under its
/// section name (<c>Etsy__ClientId</c>) wins over the flat variable. Kept in this one place so it can move into a
/// shared settings parser.
/// </summary>
public static class EtsySettings
{
    public const string ApiBaseUrl = "ETSY_API_BASE_URL";
    public const string OAuthAuthorizeUrl = "ETSY_OAUTH_AUTHORIZE_URL";
    public const string ClientId = "ETSY_CLIENT_ID";
    public const string SharedSecret = "ETSY_SHARED_SECRET";
    public const string RedirectUri = "ETSY_REDIRECT_URI";
    public const string Scopes = "ETSY_SCOPES";

    /// <summary>Flat variable → key of <see cref="EtsyOptions"/> in the <see cref="EtsyOptions.SectionName"/> section.</summary>
    public static IReadOnlyDictionary<string, string> Keys { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [ApiBaseUrl] = nameof(EtsyOptions.ApiBaseUrl),
        [OAuthAuthorizeUrl] = nameof(EtsyOptions.OAuthAuthorizeUrl),
        [ClientId] = nameof(EtsyOptions.ClientId),
        [SharedSecret] = nameof(EtsyOptions.SharedSecret),
        [RedirectUri] = nameof(EtsyOptions.RedirectUri),
        [Scopes] = nameof(EtsyOptions.Scopes),
    };

    /// <summary>The name a message shows for an option: the flat variable, as set on Railway or the AppHost.</summary>
    public static string NameOf(string optionKey) => Keys.First(k => k.Value == optionKey).Key;

    public static void Map(IConfigurationBuilder builder, IConfiguration configuration)
    {
        var mapped = new Dictionary<string, string?>();
        foreach (var (variable, key) in Keys)
        {
            var sectionKey = $"{EtsyOptions.SectionName}:{key}";
            if (string.IsNullOrWhiteSpace(configuration[sectionKey]) && configuration[variable] is { Length: > 0 } value)
            {
                mapped[sectionKey] = value.Trim();
            }
        }

        if (mapped.Count > 0)
        {
            builder.AddInMemoryCollection(mapped);
        }
    }
}
