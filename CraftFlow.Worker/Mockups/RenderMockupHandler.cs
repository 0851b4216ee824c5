using CraftFlow.Caching;
using CraftFlow.Data;
using CraftFlow.Data.Entities;
using CraftFlow.Data.Jobs;
using CraftFlow.Data.Storage;
using CraftFlow.Imaging;
using CraftFlow.Imaging.Decoding;
using CraftFlow.Imaging.Rendering;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CraftFlow.Worker.Mockups;

/// <summary>
/// Renders a mockup: the design fitted into its template's print area, stored as JPEG. Idempotent: a
/// completed or deleted mockup is left alone, and the output is content-addressed, so a re-run after a
/// crash stores nothing twice.
/// </summary>
public sealed partial class RenderMockupHandler(
    IDbContextFactory<CraftFlowDbContext> contexts,
    IBlobStore blobs,
    CacheInvalidation invalidation,
    IOptions<ImagingOptions> options,
    ILogger<RenderMockupHandler> logger) : IJobHandler
{
    public string Kind => RenderMockupJob.Kind;

    public async Task HandleAsync(Job job, CancellationToken cancellationToken)
    {
        var payload = RenderMockupJob.Read(job.Payload);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var mockup = await db.Mockups
            .Include(m => m.DesignImage)
            .Include(m => m.Template)
            .SingleOrDefaultAsync(m => m.Id == payload.MockupId, cancellationToken);
        if (mockup is null || mockup.Status == MockupStatus.Completed)
        {
            return;
        }

        mockup.Status = MockupStatus.Processing;
        await db.SaveChangesAsync(cancellationToken);
        try
        {
            var design = await ReadAsync(mockup.DesignImage!.Sha256, cancellationToken);
            var template = await ReadAsync(mockup.Template!.ImageSha256, cancellationToken);
            var area = new PrintArea(
                mockup.Template.PrintAreaX, mockup.Template.PrintAreaY, mockup.Template.PrintAreaWidth, mockup.Template.PrintAreaHeight,
                mockup.Template.PrintAreaRotation);
            var jpeg = MockupCompositor.Render(template, area, design, options.Value);
            var stored = await blobs.PutAsync(new MemoryStream(jpeg), long.MaxValue, cancellationToken);
            mockup.ImageSha256 = stored.Sha256;
            mockup.Status = MockupStatus.Completed;
            mockup.ErrorMessage = null;
        }
        catch (ImageRejectedException e)
        {
            // A bad design or template does not get better with retries: fail the mockup, complete the job.
            LogFailed(mockup.Id, e.Message);
            mockup.Status = MockupStatus.Failed;
            mockup.ErrorMessage = e.Message;
        }

        await db.SaveChangesAsync(cancellationToken);
        await invalidation.MockupChangedAsync(mockup.UserId, mockup.Id, cancellationToken);
    }

    private async Task<byte[]> ReadAsync(string sha256, CancellationToken cancellationToken)
        => await blobs.ReadImageAsync(sha256, options.Value, cancellationToken)
            ?? throw new ImageRejectedException(ImageRejectionReason.Corrupt, "An image of this mockup is no longer in storage.");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mockup {MockupId} failed: {Reason}")]
    private partial void LogFailed(Guid mockupId, string reason);
}
