using CraftFlow.Etsy;

namespace CraftFlow.Api.Etsy;

public static class EtsyApiExtensions
{
    /// <summary>The Etsy client and settings, and the connect flow. Missing keys leave the routes answering 503.</summary>
    public static IHostApplicationBuilder AddEtsyFeatures(this IHostApplicationBuilder builder)
    {
        builder.AddEtsyIntegration();
        builder.Services.AddScoped<EtsyConnectService>();
        return builder;
    }

    public static IEndpointRouteBuilder MapEtsyEndpoints(this IEndpointRouteBuilder app)
        => app.MapConnectionEndpoints().MapListingEndpoints();
}
