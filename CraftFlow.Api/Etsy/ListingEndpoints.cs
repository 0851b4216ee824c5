using CraftFlow.Api.Infrastructure;
using CraftFlow.Data;
using CraftFlow.Data.Entities;
using CraftFlow.Data.Jobs;
using CraftFlow.Etsy;
using Microsoft.EntityFrameworkCore;

namespace CraftFlow.Api.Etsy;

public static class ListingEndpoints
{
    private const int ListLimit = 200;

    public static IEndpointRouteBuilder MapListingEndpoints(this IEndpointRouteBuilder app)
    {
        var listings = app.MapGroup("/api/listings").WithTags("Etsy").RequireAuthorization()
            .AddEndpointFilter<EtsyConfiguredFilter>();
        listings.MapPost("/", CreateAsync);
        listings.MapGet("/", ListAsync);
        listings.MapGet("/{id:guid}", GetAsync);
        return app;
    }

    /// <summary>Validates Etsy's fields and the image, then stores the listing and its job in one transaction.</summary>
    private static async Task<Results<Accepted<ListingAccepted>, ProblemHttpResult, ValidationProblem>> CreateAsync(
        CreateListingRequest request, ClaimsPrincipal principal, CraftFlowDbContext db, JobQueue queue, CancellationToken cancellationToken)
    {
        var draft = request.ToDraft();
        var errors = draft.Validate();
        if (request.ConnectionId is null)
        {
            errors["connection_id"] = ["Required."];
        }

        if ((request.DesignId is null) == (request.MockupId is null))
        {
            errors[request.DesignId is null ? "design_id" : "mockup_id"] = ["Give exactly one of design_id and mockup_id."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var userId = principal.UserId();
        var connection = await db.PlatformConnections.AsNoTracking().SingleOrDefaultAsync(
            c => c.Id == request.ConnectionId && c.UserId == userId && c.DisconnectedAt == null, cancellationToken);
        if (connection is null)
        {
            return Problems.NotFound("Connection");
        }

        if (!connection.IsActive)
        {
            return Problems.Conflict($"The Etsy connection is inactive: {connection.InactiveReason} Reconnect the shop.");
        }

        if (await CheckImageAsync(request, userId, db, cancellationToken) is { } imageProblem)
        {
            return imageProblem;
        }

        var listing = new EtsyListing
        {
            UserId = userId,
            ConnectionId = connection.Id,
            DesignImageId = request.DesignId,
            MockupId = request.MockupId,
            Title = draft.Title!,
            Description = draft.Description,
            Price = draft.Price!.Value,
            Quantity = draft.Quantity!.Value,
            Draft = draft.ToJson(),
        };
        var job = PublishEtsyListingJob.Create(userId, listing.Id);
        listing.JobId = job.Id;
        db.EtsyListings.Add(listing);
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            await db.SaveChangesAsync(cancellationToken);
            await queue.EnqueueAsync(db, job, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        return TypedResults.Accepted($"/api/listings/{listing.Id}", new ListingAccepted(ListingResponse.From(listing), job.Id));
    }

    private static async Task<ProblemHttpResult?> CheckImageAsync(
        CreateListingRequest request, Guid userId, CraftFlowDbContext db, CancellationToken cancellationToken)
    {
        if (request.DesignId is { } designId)
        {
            var design = await db.DesignImages
                .Where(d => d.Id == designId && d.UserId == userId && d.IsActive)
                .Select(d => new { d.Status, d.ContentType })
                .SingleOrDefaultAsync(cancellationToken);
            return design switch
            {
                null => Problems.NotFound("Design"),
                { Status: DesignStatus.Pending or DesignStatus.Processing } => Problems.Conflict("The design is still being processed; publish it when it is done."),
                { Status: DesignStatus.Failed } => Problems.Unprocessable("The design's image failed processing and cannot be published."),
                _ when !EtsyClient.ImageContentTypes.Contains(design.ContentType) => Problems.Unprocessable(
                    $"Etsy takes {string.Join(", ", EtsyClient.ImageContentTypes)} images; this design is {design.ContentType}."),
                _ => null,
            };
        }

        var mockup = await db.Mockups
            .Where(m => m.Id == request.MockupId && m.UserId == userId)
            .Select(m => new { m.Status, m.ImageSha256 })
            .SingleOrDefaultAsync(cancellationToken);
        return mockup switch
        {
            null => Problems.NotFound("Mockup"),
            { Status: MockupStatus.Failed } => Problems.Unprocessable("The mockup failed to render and cannot be published."),
            { ImageSha256: null } => Problems.Conflict("The mockup is not rendered yet; publish it when it is done."),
            _ => null,
        };
    }

    private static async Task<Ok<List<ListingResponse>>> ListAsync(
        ClaimsPrincipal principal, CraftFlowDbContext db, CancellationToken cancellationToken, Guid? connectionId = null)
    {
        var userId = principal.UserId();
        // idx_etsy_listings_user_active: (user_id, is_active, created_at).
        var query = db.EtsyListings.AsNoTracking().Where(l => l.UserId == userId && l.IsActive);
        if (connectionId is { } connection)
        {
            query = query.Where(l => l.ConnectionId == connection);
        }

        var listings = await query.OrderByDescending(l => l.CreatedAt).ThenByDescending(l => l.Id).Take(ListLimit).ToListAsync(cancellationToken);
        return TypedResults.Ok(listings.Select(ListingResponse.From).ToList());
    }

    private static async Task<Results<Ok<ListingResponse>, ProblemHttpResult>> GetAsync(
        Guid id, ClaimsPrincipal principal, CraftFlowDbContext db, CancellationToken cancellationToken)
    {
        var userId = principal.UserId();
        var listing = await db.EtsyListings.AsNoTracking().SingleOrDefaultAsync(l => l.Id == id && l.UserId == userId, cancellationToken);
        return listing is null ? Problems.NotFound("Listing") : TypedResults.Ok(ListingResponse.From(listing));
    }
}
