using CraftFlow.ServiceDefaults.Monitoring;

namespace CraftFlow.Api.Admin;

/// <summary>Operator routes under <c>/api/admin</c>: admins only, hidden from everyone else and from the OpenAPI document.</summary>
public static class AdminEndpoints
{
    public const string Prefix = "/api/admin";

    public static IEndpointRouteBuilder MapAdminEndpoints(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup(Prefix).WithTags("Admin").AddEndpointFilter<AdminOnlyFilter>().ExcludeFromDescription();
        admin.MapGet("/database", DatabaseAsync);
        admin.MapGet("/requests", Requests);
        return app;
    }

    /// <summary>Requests since start by route, with p50/p95/p99 of each route's recent durations (PERFORMANCE_MONITORING).</summary>
    private static Results<Ok<RequestFigures>, ProblemHttpResult> Requests(IServiceProvider services) =>
        services.GetService<RequestMonitor>() is { } monitor
            ? TypedResults.Ok(monitor.Snapshot())
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Request monitoring is off.", detail: "Set PERFORMANCE_MONITORING=true.");

    private static async Task<Ok<DatabaseInsightResponse>> DatabaseAsync(DatabaseInsight insight, CancellationToken cancellationToken)
        => TypedResults.Ok(await insight.ReadAsync(cancellationToken));
}
