using CraftFlow.Data.Jobs;
using CraftFlow.Etsy;

namespace CraftFlow.Worker.Etsy;

public static class EtsyWorkerExtensions
{
    /// <summary>The Etsy jobs: publish_etsy_listing (etsy_integration) and the scheduled refresh_etsy_tokens (maintenance).</summary>
    public static IHostApplicationBuilder AddEtsyJobs(this IHostApplicationBuilder builder)
    {
        builder.AddEtsyIntegration();
        builder.Services.AddSingleton<EtsyTokenService>();
        builder.Services.AddSingleton<IJobHandler, PublishListingHandler>();
        builder.Services.AddSingleton<IJobHandler, RefreshEtsyTokensHandler>();
        builder.Services.AddHostedService<EtsyTokenRefreshScheduler>();
        return builder;
    }
}
