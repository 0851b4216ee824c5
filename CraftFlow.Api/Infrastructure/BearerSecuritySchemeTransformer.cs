using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace CraftFlow.Api.Infrastructure;

/// <summary>Declares the bearer scheme in the OpenAPI document and requires it on every authenticated operation.</summary>
public sealed class BearerSecuritySchemeTransformer : IOpenApiDocumentTransformer
{
    private const string SchemeName = "Bearer";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[SchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An opaque token from POST /api/auth/login or POST /api/auth/tokens.",
        };

        var requirement = new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeName, document)] = [] };
        var authenticated = context.DescriptionGroups
            .SelectMany(group => group.Items)
            .Where(api => api.ActionDescriptor.EndpointMetadata.OfType<Microsoft.AspNetCore.Authorization.IAuthorizeData>().Any())
            .Select(api => (Path: "/" + api.RelativePath?.Split('?')[0].TrimEnd('/'), Method: api.HttpMethod))
            .ToHashSet();
        foreach (var (path, item) in document.Paths)
        {
            foreach (var (method, operation) in item.Operations ?? [])
            {
                if (authenticated.Contains((path.TrimEnd('/'), method.Method)) || authenticated.Contains((path, method.Method)))
                {
                    operation.Security ??= [];
                    operation.Security.Add(requirement);
                }
            }
        }

        return Task.CompletedTask;
    }
}
