using System.Text.Json;
using CraftFlow.Api.Admin;
using CraftFlow.Api.Auth;
using CraftFlow.Api.Caching;
using CraftFlow.Api.Designs;
using CraftFlow.Api.Infrastructure;
using CraftFlow.Api.Jobs;
using CraftFlow.Api.Mockups;
using CraftFlow.Api.Templates;

namespace CraftFlow.Api;

public static class ApiServiceExtensions
{
    /// <summary>JSON in snake_case, errors as RFC 9457 problem details with the correlation id, OpenAPI with the bearer scheme.</summary>
    public static IHostApplicationBuilder AddApiConventions(this IHostApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower;
        });
        builder.Services.AddProblemDetails(problems => problems.CustomizeProblemDetails = context =>
            context.ProblemDetails.Extensions["correlation_id"] = CorrelationId.Get(context.HttpContext));
        builder.Services.AddExceptionHandler<ApiExceptionHandler>();
        builder.Services.AddOpenApi(openApi => openApi.AddDocumentTransformer<BearerSecuritySchemeTransformer>());
        return builder;
    }

    public static IHostApplicationBuilder AddApiFeatures(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<UploadOptions>().BindConfiguration(UploadOptions.SectionName)
            .Validate(o => o.MaxFilesPerUpload > 0 && o.MaxFileBytes > 0 && o.MaxUploadBytes > 0, "Upload limits must be positive.")
            .ValidateOnStart();
        builder.Services.AddScoped<DesignUploadService>();
        builder.Services.AddSingleton<DuplicateQueries>();
        builder.AddAdminInsight();
        return builder;
    }

    public static WebApplication MapApiEndpoints(this WebApplication app)
    {
        app.MapAuthEndpoints();
        app.MapDesignEndpoints();
        app.MapTemplateEndpoints();
        app.MapMockupEndpoints();
        app.MapJobEndpoints();
        app.MapCacheEndpoints();
        app.MapAdminEndpoints();
        return app;
    }
}
