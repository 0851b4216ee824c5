using CraftFlow.Data;
using CraftFlow.Data.Entities;
using CraftFlow.Data.Jobs;
using CraftFlow.Data.Storage;
using CraftFlow.Etsy;
using Microsoft.EntityFrameworkCore;

namespace CraftFlow.Worker.Etsy;

/// <summary>
/// Publishes one listing as an Etsy draft with its image. Idempotent across crashes: the intent
/// (<see cref="EtsyListing.CreateRequestedAt"/>) is committed before Etsy is asked to create the draft, and a run
/// that finds an intent without Etsy's listing id looks the draft up in the shop before it creates one. The image is
/// uploaded at rank 1 with overwrite, so a repeated upload replaces rather than adds. A 401 refreshes the token once
/// and retries once. Etsy's refusals fail the listing with Etsy's text; outages fail the attempt, and the queue retries.
/// </summary>
public sealed partial class PublishListingHandler(
    IDbContextFactory<CraftFlowDbContext> contexts,
    EtsyClient etsy,
    EtsyTokenService tokens,
    IBlobStore blobs,
    TimeProvider timeProvider,
    ILogger<PublishListingHandler> logger) : IJobHandler
{
    /// <summary>Drafts created up to this long before the intent still count as ours (clocks differ).</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(10);

    private const int DraftPageSize = 100;

    private const int MaxDraftPages = 10;

    /// <summary>A bound on the image held in memory for the upload (uploads are smaller by default).</summary>
    private const long MaxImageBytes = 100L * 1024 * 1024;

    private const int ImageRank = 1;

    public string Kind => PublishEtsyListingJob.Kind;

    public async Task HandleAsync(Job job, CancellationToken cancellationToken)
    {
        var payload = PublishEtsyListingJob.Read(job.Payload);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var listing = await db.EtsyListings.SingleOrDefaultAsync(l => l.Id == payload.ListingId, cancellationToken);
        if (listing is null || listing.Status is ListingStatus.Published or ListingStatus.Failed)
        {
            return;
        }

        listing.Status = ListingStatus.Publishing;
        await db.SaveChangesAsync(cancellationToken);
        try
        {
            await PublishAsync(db, listing, cancellationToken);
            listing.Status = ListingStatus.Published;
            listing.PublishedAt = timeProvider.GetUtcNow();
            listing.ErrorMessage = null;
            await db.SaveChangesAsync(cancellationToken);
            LogPublished(listing.Id, listing.ExternalListingId!.Value);
        }
        catch (Exception e) when (e is EtsyConnectionInactiveException or ListingImageMissingException || EtsyFailures.IsRefusal(e))
        {
            // Sending it again cannot succeed: the listing fails, the job is done.
            listing.Status = ListingStatus.Failed;
            listing.ErrorMessage = e is EtsyApiException refused ? $"Etsy refused the listing: {refused.EtsyError}" : e.Message;
            await db.SaveChangesAsync(cancellationToken);
            LogFailed(listing.Id, listing.ErrorMessage);
        }
        catch (Exception e) when (EtsyFailures.IsUnavailable(e) || e is EtsyNotConfiguredException or EtsyApiException)
        {
            await RecordFailedAttemptAsync(db, listing, job, EtsyFailures.Describe(e), cancellationToken);
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Anything else but our own shutdown (an answer that is not Etsy's JSON, a cancellation that is not ours, our
            // own fault) is retried like an outage; on the last attempt the listing fails, so it never stays
            // 'publishing' behind a discarded job.
            await RecordFailedAttemptAsync(db, listing, job, $"Publishing failed: {e.Message}", cancellationToken);
            throw;
        }
    }

    private async Task RecordFailedAttemptAsync(CraftFlowDbContext db, EtsyListing listing, Job job, string reason, CancellationToken cancellationToken)
    {
        var lastAttempt = job.Attempt >= job.MaxAttempts;
        listing.ErrorMessage = lastAttempt ? reason : $"{reason} Retrying.";
        if (lastAttempt)
        {
            listing.Status = ListingStatus.Failed;
        }

        await db.SaveChangesAsync(cancellationToken);
        LogAttemptFailed(listing.Id, job.Attempt, reason);
    }

    private async Task PublishAsync(CraftFlowDbContext db, EtsyListing listing, CancellationToken cancellationToken)
    {
        var access = await tokens.GetAccessAsync(listing.ConnectionId, cancellationToken);
        if (listing.ExternalListingId is null)
        {
            var draft = EtsyDraftListing.FromJson(listing.Draft);
            EtsyShopListing? created = null;
            if (listing.CreateRequestedAt is { } requestedAt)
            {
                created = await WithTokenAsync(access, token => FindDraftAsync(db, listing, draft, access.ShopId, requestedAt, token, cancellationToken), cancellationToken);
                if (created is not null)
                {
                    LogAdopted(listing.Id, created.ListingId);
                }
            }

            if (created is null)
            {
                // The intent is durable before Etsy hears of the listing: a crash after Etsy's answer leaves it for the retry.
                listing.CreateRequestedAt = timeProvider.GetUtcNow();
                await db.SaveChangesAsync(cancellationToken);
                created = await WithTokenAsync(access, token => etsy.CreateDraftListingAsync(access.ShopId, draft, token, cancellationToken), cancellationToken);
            }

            listing.ExternalListingId = created.ListingId;
            listing.EtsyState = created.State;
            listing.EtsyUrl = created.Url;
            await db.SaveChangesAsync(cancellationToken);
        }

        if (listing.ExternalImageId is null)
        {
            var image = await ReadImageAsync(db, listing, cancellationToken);
            var uploaded = await WithTokenAsync(
                access,
                token => etsy.UploadListingImageAsync(
                    access.ShopId, listing.ExternalListingId.Value, image.Bytes, image.FileName, image.ContentType, ImageRank, token, cancellationToken),
                cancellationToken);
            listing.ExternalImageId = uploaded.ListingImageId;
            await db.SaveChangesAsync(cancellationToken);
        }
    }

    /// <summary>Runs an Etsy call; on 401, refreshes the token once and runs it once more.</summary>
    private async Task<T> WithTokenAsync<T>(EtsyAccess access, Func<string, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call(access.AccessToken);
        }
        catch (EtsyApiException e) when (e.IsUnauthorized)
        {
            await tokens.RefreshRejectedAsync(access, cancellationToken);
            return await call(access.AccessToken);
        }
    }

    /// <summary>
    /// A draft in the shop that this listing's earlier run created: the same title, price and quantity, created
    /// after the intent (less clock skew), and not already another listing's. The oldest such draft wins.
    /// </summary>
    private async Task<EtsyShopListing?> FindDraftAsync(
        CraftFlowDbContext db, EtsyListing listing, EtsyDraftListing draft, long shopId, DateTimeOffset requestedAt, string accessToken,
        CancellationToken cancellationToken)
    {
        var since = (requestedAt - ClockSkew).ToUnixTimeSeconds();
        var candidates = new List<EtsyShopListing>();
        for (var page = 0; page < MaxDraftPages; page++)
        {
            var drafts = await etsy.GetDraftListingsAsync(shopId, page * DraftPageSize, DraftPageSize, accessToken, cancellationToken);
            candidates.AddRange(drafts.Results.Where(d =>
                d.CreatedTimestamp >= since
                && string.Equals(d.Title?.Trim(), draft.Title?.Trim(), StringComparison.Ordinal)
                && d.Quantity == draft.Quantity
                && d.Price?.Value == draft.Price));
            // Etsy lists newest first: past the window, older pages cannot hold ours.
            if (drafts.Results.Count < DraftPageSize || drafts.Results.Any(d => d.CreatedTimestamp < since))
            {
                break;
            }
        }

        foreach (var candidate in candidates.OrderBy(c => c.CreatedTimestamp).ThenBy(c => c.ListingId))
        {
            var claimed = await db.EtsyListings.AnyAsync(l => l.ExternalListingId == candidate.ListingId && l.Id != listing.Id, cancellationToken);
            if (!claimed)
            {
                return candidate;
            }
        }

        return null;
    }

    private async Task<(byte[] Bytes, string FileName, string ContentType)> ReadImageAsync(
        CraftFlowDbContext db, EtsyListing listing, CancellationToken cancellationToken)
    {
        (string? Sha256, string FileName, string ContentType)? source = null;
        if (listing.MockupId is { } mockupId)
        {
            var sha = await db.Mockups.Where(m => m.Id == mockupId).Select(m => m.ImageSha256).SingleOrDefaultAsync(cancellationToken);
            source = (sha, $"mockup-{mockupId}.jpg", "image/jpeg");
        }
        else if (listing.DesignImageId is { } designId)
        {
            source = await db.DesignImages.Where(d => d.Id == designId)
                .Select(d => new ValueTuple<string?, string, string>(d.Sha256, d.OriginalFileName, d.ContentType))
                .SingleOrDefaultAsync(cancellationToken);
        }

        if (source is not { Sha256: { } sha256 } found)
        {
            throw new ListingImageMissingException("The listing's design or mockup was deleted before it was published.");
        }

        var bytes = await blobs.ReadAllBytesAsync(sha256, MaxImageBytes, cancellationToken)
            ?? throw new ListingImageMissingException("The listing's image is no longer in storage.");
        return (bytes, found.FileName, found.ContentType);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Listing {ListingId} published as Etsy draft {EtsyListingId}")]
    private partial void LogPublished(Guid listingId, long etsyListingId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listing {ListingId} adopted Etsy draft {EtsyListingId}, created by an earlier run whose answer was lost")]
    private partial void LogAdopted(Guid listingId, long etsyListingId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listing {ListingId} failed: {Reason}")]
    private partial void LogFailed(Guid listingId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listing {ListingId}: attempt {Attempt} failed: {Reason}")]
    private partial void LogAttemptFailed(Guid listingId, int attempt, string reason);
}

/// <summary>The image to upload is gone: publishing cannot succeed.</summary>
public sealed class ListingImageMissingException(string reason) : Exception(reason);
