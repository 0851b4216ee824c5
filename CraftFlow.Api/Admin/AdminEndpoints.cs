namespace CraftFlow.Api.Admin;

/// <summary>Operator routes under <c>/api/admin</c>: admins only, hidden from everyone else and from the OpenAPI document.</summary>
public static class AdminEndpoints
{
    public const string Prefix = "/api/admin";

    public static IEndpointRouteBuilder MapAdminEndpoints(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup(Prefix).WithTags("Admin").AddEndpointFilter<AdminOnlyFilter>().ExcludeFromDescription();
        admin.MapGet("/database", DatabaseAsync);
        return app;
    }

    private static async Task<Ok<DatabaseInsightResponse>> DatabaseAsync(DatabaseInsight insight, CancellationToken cancellationToken)
        => TypedResults.Ok(await insight.ReadAsync(cancellationToken));
}
