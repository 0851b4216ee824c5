using CraftFlow.Api.Caching;
using CraftFlow.Api.Infrastructure;
using CraftFlow.Data;
using CraftFlow.Data.Entities;
using CraftFlow.Data.Storage;
using CraftFlow.Imaging;
using CraftFlow.Imaging.Analysis;
using CraftFlow.Imaging.Decoding;
using CraftFlow.Imaging.Duplicates;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace CraftFlow.Api.Designs;

public static partial class DesignEndpoints
{
    public static IEndpointRouteBuilder MapDesignEndpoints(this IEndpointRouteBuilder app)
    {
        var designs = app.MapGroup("/api/designs").WithTags("Designs").RequireAuthorization();
        designs.MapPost("/", UploadAsync).DisableAntiforgery()
            .Accepts<IFormFileCollection>("multipart/form-data")
            .WithDescription("Multipart upload of one or more image files (field 'files'), optional field 'template_id'. Answers 202 with the batch to poll.");
        designs.MapGet("/", ListAsync).CacheOutput(CachePolicies.DesignList);
        designs.MapGet("/{id:guid}", GetAsync).CacheOutput(CachePolicies.Design);
        designs.MapPatch("/{id:guid}", UpdateAsync);
        designs.MapDelete("/{id:guid}", DeleteAsync);
        designs.MapGet("/{id:guid}/image", GetImageAsync);
        designs.MapGet("/{id:guid}/thumbnail", GetThumbnailAsync);
        designs.MapGet("/{id:guid}/duplicates", GetDuplicatesAsync);
        designs.MapPost("/check-duplicate", CheckDuplicateAsync).DisableAntiforgery()
            .Accepts<IFormFile>("multipart/form-data")
            .WithDescription("Hashes one uploaded image and lists the caller's designs it duplicates, without storing anything.");

        app.MapGet("/api/uploads/{batchId:guid}", GetBatchAsync).WithTags("Designs").RequireAuthorization();
        return app;
    }

    private static async Task<Results<Accepted<UploadAccepted>, ProblemHttpResult, ValidationProblem>> UploadAsync(
        HttpRequest request, ClaimsPrincipal principal, IBlobStore blobs, DesignUploadService uploads, CraftFlowDbContext db,
        CacheInvalidation invalidation, IOptions<UploadOptions> options, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(typeof(DesignEndpoints));
        MultipartForm content;
        try
        {
            content = await MultipartUpload.ReadAsync(
                request, blobs, options.Value.MaxFilesPerUpload, options.Value.MaxFileBytes, cancellationToken,
                refuseFilesSeparately: true, maxRequestBytes: options.Value.MaxUploadBytes);
        }
        catch (UploadRejectedException e)
        {
            LogUploadRejected(logger, e.StatusCode, e.Message);
            return TypedResults.Problem(statusCode: e.StatusCode, title: "Upload refused.", detail: e.Message);
        }

        foreach (var refused in content.Refused)
        {
            LogFileRefused(logger, refused.FileName, refused.Reason);
        }

        if (content.Files.Count == 0 && content.Refused.Count > 0)
        {
            // Nothing to take: one status when every file was refused for the same kind of reason, else 422.
            var statuses = content.Refused.Select(r => r.StatusCode).Distinct().ToList();
            LogUploadRejected(logger, statuses.Count == 1 ? statuses[0] : StatusCodes.Status422UnprocessableEntity, "every file refused");
            return TypedResults.Problem(
                statusCode: statuses.Count == 1 ? statuses[0] : StatusCodes.Status422UnprocessableEntity,
                title: "Upload refused.",
                detail: content.Refused.Count == 1 ? content.Refused[0].Reason : $"None of the {content.Refused.Count} files is an image CraftFlow accepts.",
                extensions: new Dictionary<string, object?> { ["refused_files"] = content.Refused });
        }

        if (content.Files.Count == 0)
        {
            LogUploadRejected(logger, 400, "no files");
            return Problems.Invalid("files", "Attach at least one image file.");
        }

        Guid? templateId = null;
        if (content.Fields.TryGetValue("template_id", out var templateText) && templateText.Length > 0)
        {
            if (!Guid.TryParse(templateText, out var parsed))
            {
                return Problems.Invalid("template_id", "Not a valid id.");
            }

            var userId = principal.UserId();
            if (!await db.Templates.AnyAsync(t => t.Id == parsed && t.UserId == userId && t.IsActive, cancellationToken))
            {
                return Problems.NotFound("Template");
            }

            templateId = parsed;
        }

        var accepted = await uploads.AcceptAsync(principal.UserId(), templateId, content.Files, content.Refused, cancellationToken);
        await invalidation.DesignsChangedAsync(principal.UserId(), [], cancellationToken);
        return TypedResults.Accepted(accepted.StatusUrl, accepted);
    }

    private static async Task<Results<Ok<DesignPage>, ValidationProblem>> ListAsync(
        ClaimsPrincipal principal, CraftFlowDbContext db, IOptions<UploadOptions> options, CancellationToken cancellationToken,
        string? cursor = null, int? limit = null, Guid? templateId = null, string? status = null)
    {
        var pageSize = limit ?? options.Value.DefaultPageSize;
        var validation = new Validation()
            .Require(pageSize is > 0 && pageSize <= options.Value.MaxPageSize, "limit", $"Between 1 and {options.Value.MaxPageSize}.")
            .Require(cursor is null || GalleryCursor.TryDecode(cursor, out _), "cursor", "Not a cursor this API issued.")
            .Require(status is null || Enum.TryParse<DesignStatus>(status, ignoreCase: true, out _), "status", "One of pending, processing, processed, duplicate, failed.");
        if (!validation.IsValid)
        {
            return validation.ToProblem();
        }

        var userId = principal.UserId();
        var query = db.DesignImages.AsNoTracking().Where(d => d.UserId == userId && d.IsActive);
        if (templateId is { } template)
        {
            query = query.Where(d => d.TemplateId == template);
        }

        if (status is not null)
        {
            var wanted = Enum.Parse<DesignStatus>(status, ignoreCase: true);
            query = query.Where(d => d.Status == wanted);
        }

        if (GalleryCursor.TryDecode(cursor, out var after))
        {
            // A row comparison: PostgreSQL walks the (user_id, created_at desc, id desc) index from the cursor on.
            query = query.Where(d => EF.Functions.LessThan(ValueTuple.Create(d.CreatedAt, d.Id), ValueTuple.Create(after.CreatedAt, after.Id)));
        }

        var page = await query.OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id)
            .Take(pageSize + 1)
            .ToListAsync(cancellationToken);
        var next = page.Count > pageSize ? new GalleryCursor(page[pageSize - 1].CreatedAt, page[pageSize - 1].Id).Encode() : null;
        return TypedResults.Ok(new DesignPage(page.Take(pageSize).Select(DesignResponse.From).ToList(), next));
    }

    private static async Task<Results<Ok<DesignResponse>, ProblemHttpResult>> GetAsync(
        Guid id, ClaimsPrincipal principal, CraftFlowDbContext db, CancellationToken cancellationToken)
        => await FindAsync(db.DesignImages.AsNoTracking(), id, principal, cancellationToken) is { } design
            ? TypedResults.Ok(DesignResponse.From(design))
            : Problems.NotFound("Design");

    private static async Task<Results<Ok<DesignResponse>, ProblemHttpResult, ValidationProblem>> UpdateAsync(
        Guid id, UpdateDesignRequest request, ClaimsPrincipal principal, CraftFlowDbContext db, CacheInvalidation invalidation,
        CancellationToken cancellationToken)
    {
        var validation = new Validation()
            .Require(request.Title is null || request.Title.Trim().Length is > 0 and <= 300, "title", "1 to 300 characters.")
            .Require(request.Tags is null || (request.Tags.Count <= 13 && request.Tags.All(t => t.Trim().Length is > 0 and <= 20)), "tags",
                "At most 13 tags of 1 to 20 characters (Etsy's limits).");
        if (!validation.IsValid)
        {
            return validation.ToProblem();
        }

        var design = await FindAsync(db.DesignImages, id, principal, cancellationToken);
        if (design is null)
        {
            return Problems.NotFound("Design");
        }

        if (request.TemplateId is { } templateId)
        {
            var userId = principal.UserId();
            if (!await db.Templates.AnyAsync(t => t.Id == templateId && t.UserId == userId && t.IsActive, cancellationToken))
            {
                return Problems.NotFound("Template");
            }

            design.TemplateId = templateId;
        }
        else if (request.ClearTemplate == true)
        {
            design.TemplateId = null;
        }

        design.Title = request.Title?.Trim() ?? design.Title;
        design.Tags = request.Tags?.Select(t => t.Trim()).ToList() ?? design.Tags;
        await db.SaveChangesAsync(cancellationToken);
        await invalidation.DesignsChangedAsync(design.UserId, [design.Id], cancellationToken);
        return TypedResults.Ok(DesignResponse.From(design));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        Guid id, ClaimsPrincipal principal, CraftFlowDbContext db, CacheInvalidation invalidation, CancellationToken cancellationToken)
    {
        var design = await FindAsync(db.DesignImages, id, principal, cancellationToken);
        if (design is null)
        {
            return Problems.NotFound("Design");
        }

        // Soft delete: listings and mockups keep their history; the file goes when nothing refers to it.
        design.IsActive = false;
        await db.SaveChangesAsync(cancellationToken);
        await invalidation.DesignsChangedAsync(design.UserId, [design.Id], cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> GetImageAsync(
        Guid id, ClaimsPrincipal principal, CraftFlowDbContext db, IBlobStore blobs, CancellationToken cancellationToken)
    {
        var design = await FindAsync(db.DesignImages.AsNoTracking(), id, principal, cancellationToken);
        return design is null
            ? Problems.NotFound("Design")
            : await BlobResults.StreamAsync(blobs, design.Sha256, design.ContentType, cancellationToken);
    }

    private static async Task<IResult> GetThumbnailAsync(
        Guid id, ClaimsPrincipal principal, CraftFlowDbContext db, IBlobStore blobs, CancellationToken cancellationToken)
    {
        var design = await FindAsync(db.DesignImages.AsNoTracking(), id, principal, cancellationToken);
        if (design is null)
        {
            return Problems.NotFound("Design");
        }

        return design.ThumbnailSha256 is { } thumbnail
            ? await BlobResults.StreamAsync(blobs, thumbnail, "image/webp", cancellationToken)
            : Problems.NotFound("Thumbnail (the design is not processed yet)");
    }

    private static async Task<Results<Ok<List<DuplicateMatch>>, ProblemHttpResult>> GetDuplicatesAsync(
        Guid id, ClaimsPrincipal principal, CraftFlowDbContext db, DuplicateQueries duplicates, CancellationToken cancellationToken)
    {
        var design = await FindAsync(db.DesignImages.AsNoTracking(), id, principal, cancellationToken);
        if (design is null)
        {
            return Problems.NotFound("Design");
        }

        var artwork = design is { ArtworkKey: { } key, ArtworkSignature: { } signature }
            ? ArtworkSignature.FromBytes(HashBits.FromStored(key), signature)
            : null;
        var matches = await duplicates.FindAsync(
            design.UserId, design.Sha256, artwork, new ImagehashValues(design.Phash, design.Dhash, design.Ahash, design.Whash), design.Id, cancellationToken);
        return TypedResults.Ok(matches.ConvertAll(m => m.Match));
    }

    private static async Task<Results<Ok<DuplicateCheckResponse>, ProblemHttpResult>> CheckDuplicateAsync(
        HttpRequest request, ClaimsPrincipal principal, DuplicateQueries duplicates, IOptions<UploadOptions> options,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(typeof(DesignEndpoints));
        string fileName;
        byte[] bytes;
        DesignAnalysis analysis;
        try
        {
            (fileName, bytes) = await MultipartUpload.ReadSingleImageAsync(request, options.Value.MaxFileBytes, cancellationToken);
            analysis = DesignAnalyzer.Analyze(bytes);
        }
        catch (UploadRejectedException e)
        {
            LogUploadRejected(logger, e.StatusCode, e.Message);
            return TypedResults.Problem(statusCode: e.StatusCode, title: "Upload refused.", detail: e.Message);
        }
        catch (ImageRejectedException e)
        {
            LogUploadRejected(logger, StatusCodes.Status422UnprocessableEntity, e.Message);
            return Problems.Unprocessable(e.Message);
        }

        var sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        var hashes = analysis.Hashes;
        var matches = await duplicates.FindAsync(
            principal.UserId(), sha256, analysis.Artwork,
            new ImagehashValues(
                HashBits.ToStored(hashes.Perceptual), HashBits.ToStored(hashes.Difference), HashBits.ToStored(hashes.Average), HashBits.ToStored(hashes.Wavelet)),
            excludeId: null, cancellationToken);
        return TypedResults.Ok(new DuplicateCheckResponse(
            fileName,
            sha256,
            new DesignHashes(
                PerceptualHasher.ToHex(hashes.Perceptual), PerceptualHasher.ToHex(hashes.Average),
                PerceptualHasher.ToHex(hashes.Difference), PerceptualHasher.ToHex(hashes.Wavelet)),
            matches.Any(m => m.Relation.IsDuplicate()),
            matches.ConvertAll(m => m.Match)));
    }

    private static async Task<Results<Ok<UploadBatchResponse>, ProblemHttpResult>> GetBatchAsync(
        Guid batchId, ClaimsPrincipal principal, CraftFlowDbContext db, CancellationToken cancellationToken)
    {
        var userId = principal.UserId();
        var batch = await db.UploadBatches.AsNoTracking().SingleOrDefaultAsync(b => b.Id == batchId && b.UserId == userId, cancellationToken);
        if (batch is null)
        {
            return Problems.NotFound("Upload batch");
        }

        var done = batch.Processed + batch.Duplicates + batch.Failed;
        return TypedResults.Ok(new UploadBatchResponse(
            batch.Id, batch.TotalFiles, batch.Received, batch.Processed, batch.Duplicates, batch.Failed,
            Math.Max(0, batch.TotalFiles - done), done >= batch.TotalFiles ? "completed" : "processing", batch.CreatedAt, batch.CompletedAt));
    }

    /// <summary>A design of the caller's, or null: another user's id is indistinguishable from a missing one.</summary>
    private static Task<DesignImage?> FindAsync(IQueryable<DesignImage> designs, Guid id, ClaimsPrincipal principal, CancellationToken cancellationToken)
    {
        var userId = principal.UserId();
        return designs.SingleOrDefaultAsync(d => d.Id == id && d.UserId == userId && d.IsActive, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload file {FileName} refused: {Reason}")]
    private static partial void LogFileRefused(ILogger logger, string fileName, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload refused with {Status}: {Reason}")]
    private static partial void LogUploadRejected(ILogger logger, int status, string reason);
}
