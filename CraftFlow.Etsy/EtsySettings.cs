namespace CraftFlow.Etsy;

/// <summary>
/// The flat ETSY_* variables (DESIGN.md section 3), by name, for messages that name a setting. ServiceDefaults'
/// PlatformVariables, the one reader of the flat variables, maps each onto the <see cref="EtsyOptions"/> key
/// beside it; a value given under the section name (<c>Etsy__ClientId</c>) wins over the flat variable.
/// </summary>
public static class EtsySettings
{
    public const string ApiBaseUrl = "ETSY_API_BASE_URL";
    public const string OAuthAuthorizeUrl = "ETSY_OAUTH_AUTHORIZE_URL";
    public const string ClientId = "ETSY_CLIENT_ID";
    public const string SharedSecret = "ETSY_SHARED_SECRET";
    public const string RedirectUri = "ETSY_REDIRECT_URI";
    public const string Scopes = "ETSY_SCOPES";

    /// <summary>Key of <see cref="EtsyOptions"/> → the flat variable that feeds it.</summary>
    private static readonly Dictionary<string, string> Variables = new(StringComparer.Ordinal)
    {
        [nameof(EtsyOptions.ApiBaseUrl)] = ApiBaseUrl,
        [nameof(EtsyOptions.OAuthAuthorizeUrl)] = OAuthAuthorizeUrl,
        [nameof(EtsyOptions.ClientId)] = ClientId,
        [nameof(EtsyOptions.SharedSecret)] = SharedSecret,
        [nameof(EtsyOptions.RedirectUri)] = RedirectUri,
        [nameof(EtsyOptions.Scopes)] = Scopes,
    };

    /// <summary>The name a message shows for an option: the flat variable, as set on Railway or the AppHost.</summary>
    public static string NameOf(string optionKey) => Variables[optionKey];
}
