using Microsoft.Extensions.Configuration;

namespace CraftFlow.AppHost;

public static class ServiceResources
{
    /// <summary>The Etsy settings (DESIGN.md section 3) a developer may give the AppHost, passed on to the services.</summary>
    public static readonly string[] EtsySettings =
        ["ETSY_API_BASE_URL", "ETSY_OAUTH_AUTHORIZE_URL", "ETSY_CLIENT_ID", "ETSY_REDIRECT_URI", "ETSY_SCOPES"];

    public const string EtsySecretSetting = "ETSY_SHARED_SECRET";

    /// <summary>
    /// References Redis and waits for it to start. Not for it to be healthy: the services serve from their memory tier
    /// while Redis is away, and a Redis that stopped between starting and answering would otherwise hold them back for ever.
    /// Without Redis the service runs on its in-memory cache.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithCache(
        this IResourceBuilder<ProjectResource> service, IResourceBuilder<IResourceWithConnectionString>? cache)
        => cache is null ? service : service.WithReference(cache).WaitForStart(cache, WaitBehavior.StopOnResourceUnavailable);

    /// <summary>
    /// Passes the Etsy settings found in the AppHost's environment or configuration (<c>ETSY_CLIENT_ID=... dotnet run
    /// --project CraftFlow.AppHost</c>) to the service; the shared secret goes as a secret parameter, masked in the dashboard.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithEtsySettings(
        this IResourceBuilder<ProjectResource> service, IResourceBuilder<ParameterResource>? sharedSecret)
    {
        foreach (var setting in EtsySettings)
        {
            if (service.ApplicationBuilder.Configuration[setting] is { Length: > 0 } value)
            {
                service.WithEnvironment(setting, value);
            }
        }

        return sharedSecret is null ? service : service.WithEnvironment(EtsySecretSetting, sharedSecret);
    }

    /// <summary>The Etsy shared secret as a secret parameter, or null when the AppHost was given none.</summary>
    public static IResourceBuilder<ParameterResource>? AddEtsySharedSecret(this IDistributedApplicationBuilder builder) =>
        builder.Configuration[EtsySecretSetting] is { Length: > 0 } secret
            ? builder.AddParameter("etsy-shared-secret", secret, secret: true)
            : null;
}
