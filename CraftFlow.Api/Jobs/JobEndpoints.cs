using CraftFlow.Api.Infrastructure;
using CraftFlow.Data;
using CraftFlow.Data.Jobs;
using Microsoft.EntityFrameworkCore;

namespace CraftFlow.Api.Jobs;

public sealed record JobResponse(
    Guid Id, string Queue, string Kind, string State, int Attempt, int MaxAttempts, string? LastError,
    DateTimeOffset RunAt, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt)
{
    public static JobResponse From(Job j) => new(
        j.Id, j.Queue, j.Kind, j.State.ToString().ToLowerInvariant(), j.Attempt, j.MaxAttempts, j.LastError, j.RunAt, j.CreatedAt, j.StartedAt, j.FinishedAt);
}

public static class JobEndpoints
{
    public static IEndpointRouteBuilder MapJobEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/jobs/{id:guid}", GetAsync).WithTags("Jobs").RequireAuthorization();
        return app;
    }

    private static async Task<Results<Ok<JobResponse>, ProblemHttpResult>> GetAsync(
        Guid id, ClaimsPrincipal principal, CraftFlowDbContext db, CancellationToken cancellationToken)
    {
        var userId = principal.UserId();
        var job = await db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == id && j.UserId == userId, cancellationToken);
        return job is null ? Problems.NotFound("Job") : TypedResults.Ok(JobResponse.From(job));
    }
}
