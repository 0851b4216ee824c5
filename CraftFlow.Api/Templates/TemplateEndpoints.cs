using System.Globalization;
using CraftFlow.Api.Caching;
using CraftFlow.Api.Designs;
using CraftFlow.Api.Infrastructure;
using CraftFlow.Data;
using CraftFlow.Data.Entities;
using CraftFlow.Data.Storage;
using CraftFlow.Imaging;
using CraftFlow.Imaging.Decoding;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CraftFlow.Api.Templates;

public static partial class TemplateEndpoints
{
    public static IEndpointRouteBuilder MapTemplateEndpoints(this IEndpointRouteBuilder app)
    {
        var templates = app.MapGroup("/api/templates").WithTags("Templates").RequireAuthorization();
        templates.MapPost("/", CreateAsync).DisableAntiforgery()
            .Accepts<IFormFileCollection>("multipart/form-data")
            .WithDescription("Multipart: one image file plus fields name, print_area_x, print_area_y, print_area_width, print_area_height, print_area_rotation (degrees, optional).");
        templates.MapGet("/", ListAsync).CacheOutput(CachePolicies.TemplateList);
        templates.MapGet("/{id:guid}", GetAsync).CacheOutput(CachePolicies.Template);
        templates.MapPatch("/{id:guid}", UpdateAsync);
        templates.MapDelete("/{id:guid}", DeleteAsync);
        templates.MapGet("/{id:guid}/image", GetImageAsync);
        return app;
    }

    private static async Task<Results<Created<TemplateResponse>, ProblemHttpResult, ValidationProblem>> CreateAsync(
        HttpRequest request, ClaimsPrincipal principal, IBlobStore blobs, CraftFlowDbContext db, IOptions<UploadOptions> options,
        CacheInvalidation invalidation, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        MultipartForm content;
        try
        {
            content = await MultipartUpload.ReadAsync(request, blobs, maxFiles: 1, options.Value.MaxFileBytes, cancellationToken);
        }
        catch (UploadRejectedException e)
        {
            LogRejected(loggers.CreateLogger(typeof(TemplateEndpoints)), e.StatusCode, e.Message);
            return TypedResults.Problem(statusCode: e.StatusCode, title: "Template refused.", detail: e.Message);
        }

        if (content.Files.Count == 0)
        {
            return Problems.Invalid("image", "Attach the template image.");
        }

        var file = content.Files[0];
        int width, height;
        try
        {
            (width, height) = await ImageDimensions.ReadAsync(blobs, file.Blob.Sha256, ImagingOptions.Default, cancellationToken);
        }
        catch (ImageRejectedException e)
        {
            LogRejected(loggers.CreateLogger(typeof(TemplateEndpoints)), 422, e.Message);
            return Problems.Unprocessable($"'{file.FileName}': {e.Message}");
        }

        var name = content.Fields.GetValueOrDefault("name")?.Trim();
        var area = ParsePrintArea(content.Fields, out var parseErrors);
        var validation = parseErrors.Require(name is { Length: > 0 and <= 200 }, "name", "1 to 200 characters.");
        if (area is not null)
        {
            ValidatePrintArea(validation, area, width, height);
        }

        if (!validation.IsValid)
        {
            return validation.ToProblem();
        }

        var template = new Template
        {
            UserId = principal.UserId(),
            Name = name!,
            ImageSha256 = file.Blob.Sha256,
            ContentType = file.ContentType,
            Width = width,
            Height = height,
        };
        Apply(template, area!);
        db.Templates.Add(template);
        await db.SaveChangesAsync(cancellationToken);
        await invalidation.TemplateChangedAsync(template.UserId, null, cancellationToken);
        return TypedResults.Created($"/api/templates/{template.Id}", TemplateResponse.From(template));
    }

    private static async Task<Ok<List<TemplateResponse>>> ListAsync(ClaimsPrincipal principal, CraftFlowDbContext db, CancellationToken cancellationToken)
    {
        var userId = principal.UserId();
        var templates = await db.Templates.AsNoTracking()
            .Where(t => t.UserId == userId && t.IsActive)
            .OrderByDescending(t => t.CreatedAt)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(templates.Select(TemplateResponse.From).ToList());
    }

    private static async Task<Results<Ok<TemplateResponse>, ProblemHttpResult>> GetAsync(
        Guid id, ClaimsPrincipal principal, CraftFlowDbContext db, CancellationToken cancellationToken)
        => await FindAsync(db.Templates.AsNoTracking(), id, principal, cancellationToken) is { } template
            ? TypedResults.Ok(TemplateResponse.From(template))
            : Problems.NotFound("Template");

    private static async Task<Results<Ok<TemplateResponse>, ProblemHttpResult, ValidationProblem>> UpdateAsync(
        Guid id, UpdateTemplateRequest request, ClaimsPrincipal principal, CraftFlowDbContext db, CacheInvalidation invalidation,
        CancellationToken cancellationToken)
    {
        var template = await FindAsync(db.Templates, id, principal, cancellationToken);
        if (template is null)
        {
            return Problems.NotFound("Template");
        }

        var validation = new Validation()
            .Require(request.Name is null || request.Name.Trim().Length is > 0 and <= 200, "name", "1 to 200 characters.");
        if (request.PrintArea is { } area)
        {
            ValidatePrintArea(validation, area, template.Width, template.Height);
        }

        if (!validation.IsValid)
        {
            return validation.ToProblem();
        }

        template.Name = request.Name?.Trim() ?? template.Name;
        if (request.PrintArea is { } newArea)
        {
            Apply(template, newArea);
        }

        await db.SaveChangesAsync(cancellationToken);
        await invalidation.TemplateChangedAsync(template.UserId, template.Id, cancellationToken);
        return TypedResults.Ok(TemplateResponse.From(template));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        Guid id, ClaimsPrincipal principal, CraftFlowDbContext db, CacheInvalidation invalidation, CancellationToken cancellationToken)
    {
        var template = await FindAsync(db.Templates, id, principal, cancellationToken);
        if (template is null)
        {
            return Problems.NotFound("Template");
        }

        template.IsActive = false;
        await db.SaveChangesAsync(cancellationToken);
        await invalidation.TemplateChangedAsync(template.UserId, template.Id, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> GetImageAsync(
        Guid id, ClaimsPrincipal principal, CraftFlowDbContext db, IBlobStore blobs, CancellationToken cancellationToken)
    {
        var template = await FindAsync(db.Templates.AsNoTracking(), id, principal, cancellationToken);
        return template is null
            ? Problems.NotFound("Template")
            : await BlobResults.StreamAsync(blobs, template.ImageSha256, template.ContentType, cancellationToken);
    }

    private static Task<Template?> FindAsync(IQueryable<Template> templates, Guid id, ClaimsPrincipal principal, CancellationToken cancellationToken)
    {
        var userId = principal.UserId();
        return templates.SingleOrDefaultAsync(t => t.Id == id && t.UserId == userId && t.IsActive, cancellationToken);
    }

    private static PrintArea? ParsePrintArea(IReadOnlyDictionary<string, string> fields, out Validation errors)
    {
        var validation = errors = new Validation();
        int? Int(string field)
        {
            var ok = int.TryParse(fields.GetValueOrDefault(field), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value);
            validation.Require(ok, field, "A whole number is required.");
            return ok ? value : null;
        }

        var x = Int("print_area_x");
        var y = Int("print_area_y");
        var width = Int("print_area_width");
        var height = Int("print_area_height");
        var rotation = 0.0;
        if (fields.TryGetValue("print_area_rotation", out var rotationText) && rotationText.Length > 0)
        {
            validation.Require(double.TryParse(rotationText, NumberStyles.Float, CultureInfo.InvariantCulture, out rotation), "print_area_rotation", "A number of degrees.");
        }

        return x is { } && y is { } && width is { } && height is { } ? new PrintArea(x.Value, y.Value, width.Value, height.Value, rotation) : null;
    }

    private static void ValidatePrintArea(Validation validation, PrintArea area, int imageWidth, int imageHeight)
    {
        validation
            .Require(area.Width > 0 && area.Height > 0, "print_area", "Width and height must be positive.")
            .Require(area.X >= 0 && area.Y >= 0 && (long)area.X + area.Width <= imageWidth && (long)area.Y + area.Height <= imageHeight,
                "print_area", $"The print area must lie inside the {imageWidth}x{imageHeight} image.")
            .Require(double.IsFinite(area.Rotation) && Math.Abs(area.Rotation) <= 360, "print_area_rotation", "Between -360 and 360 degrees.");
    }

    private static void Apply(Template template, PrintArea area)
    {
        template.PrintAreaX = area.X;
        template.PrintAreaY = area.Y;
        template.PrintAreaWidth = area.Width;
        template.PrintAreaHeight = area.Height;
        template.PrintAreaRotation = area.Rotation;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Template upload refused with {Status}: {Reason}")]
    private static partial void LogRejected(ILogger logger, int status, string reason);
}
