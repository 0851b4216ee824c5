using CraftFlow.Data.Entities;
using CraftFlow.Data.Storage;
using CraftFlow.Imaging;
using CraftFlow.Imaging.Analysis;
using CraftFlow.Imaging.Decoding;
using CraftFlow.Imaging.Duplicates;
using CraftFlow.Imaging.Rendering;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CraftFlow.Worker.Designs;

/// <summary>
/// Decodes a design's file once (<see cref="DesignAnalyzer"/>: its four perceptual hashes, its display copy and its
/// thumbnail, behind the <see cref="AnalysisGate"/>), and judges it against
/// all of the user's active designs: exact byte copies first (an earlier upload with the same SHA-256),
/// then near duplicates within <see cref="DuplicateThresholds.Default"/>.
/// </summary>
public sealed partial class ImagingDesignProcessor(
    IBlobStore blobs,
    NpgsqlDataSource dataSource,
    UserHashIndexCache indexes,
    AnalysisGate gate,
    IOptions<ImagingOptions> options,
    ILogger<ImagingDesignProcessor> logger) : IDesignProcessor
{
    private readonly ImagingOptions _options = options.Value;

    public async Task<AnalyzedDesign> AnalyzeAsync(DesignToProcess design, CancellationToken cancellationToken)
    {
        DesignAnalysis analysis;
        try
        {
            var data = await blobs.ReadImageAsync(design.Sha256, _options, cancellationToken);
            if (data is null)
            {
                return AnalyzedDesign.Finished(DesignProcessingResult.Failed("The uploaded file is no longer in storage; upload it again."));
            }

            // The header is read twice (here, cheaply, for the reservation, and inside the analysis): it refuses a
            // bomb before the gate and costs microseconds.
            var header = ImageDecoder.ReadHeader(data, _options);
            using (await gate.EnterAsync(DesignAnalyzer.PeakBytes(header) + data.Length, cancellationToken))
            {
                analysis = DesignAnalyzer.Analyze(data, _options);
            }
        }
        catch (ImageRejectedException e)
        {
            LogRejected(design.Id, e.Reason, e.Message);
            return AnalyzedDesign.Finished(DesignProcessingResult.Failed(e.Message));
        }

        var storedThumbnail = await blobs.PutAsync(new MemoryStream(analysis.Thumbnail), long.MaxValue, cancellationToken);
        return new AnalyzedDesign(ct => JudgeAsync(design, analysis, storedThumbnail.Sha256, ct));
    }

    private async Task<DesignProcessingResult> JudgeAsync(DesignToProcess design, DesignAnalysis analysis, string thumbnailSha256, CancellationToken cancellationToken)
    {
        var hashes = analysis.Hashes;

        // Seam for the duplicate detector: analysis.Appearance (RgbaImage: oriented, sRGB, reduced to a longest side
        // of at least RgbaImage.MinimumLongestSide) is its input; the four imagehash values stay as they are.
        var designHashes = CraftFlow.Imaging.Duplicates.DesignHashes.From(hashes);
        var (duplicateOf, distance) = await FindOriginalAsync(design, designHashes, cancellationToken);

        return new DesignProcessingResult
        {
            Status = duplicateOf is null ? DesignStatus.Processed : DesignStatus.Duplicate,
            Width = analysis.Header.Width,
            Height = analysis.Header.Height,
            Ahash = HashBits.ToStored(hashes.Average),
            Phash = HashBits.ToStored(hashes.Perceptual),
            Dhash = HashBits.ToStored(hashes.Difference),
            Whash = HashBits.ToStored(hashes.Wavelet),
            ThumbnailSha256 = thumbnailSha256,
            DuplicateOfId = duplicateOf,
            DuplicateDistance = distance,
        };
    }

    private async Task<(Guid? Original, int? Distance)> FindOriginalAsync(
        DesignToProcess design, CraftFlow.Imaging.Duplicates.DesignHashes hashes, CancellationToken cancellationToken)
    {
        var copy = await FindEarlierCopyAsync(design, cancellationToken);
        var index = await indexes.GetAsync(design.UserId, cancellationToken);
        IReadOnlyList<NearDuplicateMatch> near;

        // Search and add as one step: two jobs of one upload running side by side in this process must not
        // both miss each other's near-duplicate. (Workers in other processes see it at the next reload.)
        lock (index)
        {
            near = copy is null ? index.FindNear(hashes, DuplicateThresholds.Default, excludeId: design.Id).NearDuplicates : [];
            index.Add(design.Id, hashes);
        }

        if (copy is not null)
        {
            return (copy, 0);
        }

        if (near.Count == 0)
        {
            return (null, null);
        }

        var closest = near.MinBy(m => Math.Min(m.PerceptualDistance, m.DifferenceDistance));
        return (closest.Id, Math.Min(closest.PerceptualDistance, closest.DifferenceDistance));
    }

    /// <summary>The user's earliest other active design with the same bytes, uploaded before this one.</summary>
    private async Task<Guid?> FindEarlierCopyAsync(DesignToProcess design, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT other.id
            FROM design_images self
            JOIN design_images other
              ON other.user_id = self.user_id AND other.sha256 = self.sha256 AND other.is_active = true
             AND (other.created_at, other.id) < (self.created_at, self.id)
            WHERE self.id = $1
            ORDER BY other.created_at, other.id
            LIMIT 1
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = design.Id });
        return await command.ExecuteScalarAsync(cancellationToken) as Guid?;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Design {DesignId} rejected ({Reason}): {Message}")]
    private partial void LogRejected(Guid designId, ImageRejectionReason reason, string message);
}
