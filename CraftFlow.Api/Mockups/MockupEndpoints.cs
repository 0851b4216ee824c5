using CraftFlow.Api.Caching;
using CraftFlow.Api.Infrastructure;
using CraftFlow.Data;
using CraftFlow.Data.Entities;
using CraftFlow.Data.Jobs;
using CraftFlow.Data.Storage;
using Microsoft.EntityFrameworkCore;

namespace CraftFlow.Api.Mockups;

public sealed record CreateMockupRequest(Guid? DesignId, Guid? TemplateId);

public sealed record MockupResponse(Guid Id, Guid DesignId, Guid TemplateId, string Status, string? ErrorMessage, bool HasImage, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static MockupResponse From(Mockup m) => new(
        m.Id, m.DesignImageId, m.TemplateId, m.Status.ToString().ToLowerInvariant(), m.ErrorMessage, m.ImageSha256 is not null, m.CreatedAt, m.UpdatedAt);
}

public sealed record MockupAccepted(MockupResponse Mockup, Guid JobId);

public static class MockupEndpoints
{
    public static IEndpointRouteBuilder MapMockupEndpoints(this IEndpointRouteBuilder app)
    {
        var mockups = app.MapGroup("/api/mockups").WithTags("Mockups").RequireAuthorization();
        mockups.MapPost("/", CreateAsync);
        mockups.MapGet("/", ListAsync).CacheOutput(CachePolicies.MockupList);
        mockups.MapGet("/{id:guid}", GetAsync).CacheOutput(CachePolicies.Mockup);
        mockups.MapDelete("/{id:guid}", DeleteAsync);
        mockups.MapGet("/{id:guid}/image", GetImageAsync);
        return app;
    }

    private static async Task<Results<Accepted<MockupAccepted>, ProblemHttpResult, ValidationProblem>> CreateAsync(
        CreateMockupRequest request, ClaimsPrincipal principal, CraftFlowDbContext db, JobQueue queue, CacheInvalidation invalidation,
        CancellationToken cancellationToken)
    {
        var validation = new Validation()
            .Require(request.DesignId is not null, "design_id", "Required.")
            .Require(request.TemplateId is not null, "template_id", "Required.");
        if (!validation.IsValid)
        {
            return validation.ToProblem();
        }

        var userId = principal.UserId();
        if (!await db.DesignImages.AnyAsync(d => d.Id == request.DesignId && d.UserId == userId && d.IsActive, cancellationToken))
        {
            return Problems.NotFound("Design");
        }

        if (!await db.Templates.AnyAsync(t => t.Id == request.TemplateId && t.UserId == userId && t.IsActive, cancellationToken))
        {
            return Problems.NotFound("Template");
        }

        var mockup = new Mockup { UserId = userId, DesignImageId = request.DesignId!.Value, TemplateId = request.TemplateId!.Value };
        db.Mockups.Add(mockup);
        EnqueueResult job;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            await db.SaveChangesAsync(cancellationToken);
            job = await queue.EnqueueAsync(db, RenderMockupJob.Create(userId, mockup.Id), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        await invalidation.MockupChangedAsync(userId, null, cancellationToken);
        return TypedResults.Accepted($"/api/mockups/{mockup.Id}", new MockupAccepted(MockupResponse.From(mockup), job.JobId));
    }

    private static async Task<Ok<List<MockupResponse>>> ListAsync(
        ClaimsPrincipal principal, CraftFlowDbContext db, CancellationToken cancellationToken, Guid? designId = null)
    {
        var userId = principal.UserId();
        var query = db.Mockups.AsNoTracking().Where(m => m.UserId == userId);
        if (designId is { } design)
        {
            query = query.Where(m => m.DesignImageId == design);
        }

        var mockups = await query.OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id).Take(200).ToListAsync(cancellationToken);
        return TypedResults.Ok(mockups.Select(MockupResponse.From).ToList());
    }

    private static async Task<Results<Ok<MockupResponse>, ProblemHttpResult>> GetAsync(
        Guid id, ClaimsPrincipal principal, CraftFlowDbContext db, CancellationToken cancellationToken)
        => await FindAsync(db.Mockups.AsNoTracking(), id, principal, cancellationToken) is { } mockup
            ? TypedResults.Ok(MockupResponse.From(mockup))
            : Problems.NotFound("Mockup");

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        Guid id, ClaimsPrincipal principal, CraftFlowDbContext db, CacheInvalidation invalidation, CancellationToken cancellationToken)
    {
        var mockup = await FindAsync(db.Mockups, id, principal, cancellationToken);
        if (mockup is null)
        {
            return Problems.NotFound("Mockup");
        }

        db.Mockups.Remove(mockup);
        await db.SaveChangesAsync(cancellationToken);
        await invalidation.MockupChangedAsync(mockup.UserId, mockup.Id, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> GetImageAsync(
        Guid id, ClaimsPrincipal principal, CraftFlowDbContext db, IBlobStore blobs, CancellationToken cancellationToken)
    {
        var mockup = await FindAsync(db.Mockups.AsNoTracking(), id, principal, cancellationToken);
        if (mockup is null)
        {
            return Problems.NotFound("Mockup");
        }

        return mockup.ImageSha256 is { } image
            ? await BlobResults.StreamAsync(blobs, image, "image/jpeg", cancellationToken)
            : Problems.NotFound("Mockup image (not rendered yet)");
    }

    private static Task<Mockup?> FindAsync(IQueryable<Mockup> mockups, Guid id, ClaimsPrincipal principal, CancellationToken cancellationToken)
    {
        var userId = principal.UserId();
        return mockups.SingleOrDefaultAsync(m => m.Id == id && m.UserId == userId, cancellationToken);
    }
}
