using CraftFlow.Data.Entities;
using CraftFlow.Data.Storage;
using CraftFlow.Imaging;
using CraftFlow.Imaging.Analysis;
using CraftFlow.Imaging.Decoding;
using CraftFlow.Imaging.Duplicates;
using CraftFlow.Imaging.Rendering;
using Microsoft.Extensions.Options;

namespace CraftFlow.Worker.Designs;

/// <summary>
/// Decodes a design's file once (<see cref="DesignAnalyzer"/>: its four perceptual hashes, its artwork signature and its
/// thumbnail, behind the <see cref="AnalysisGate"/>), and judges it against all of the user's designs: an exact byte
/// copy first (an earlier upload with the same SHA-256, found when the job loads its designs), then <see cref="DuplicateJudge"/> through the user's
/// <see cref="ArtworkIndex"/>. The handler calls the judgement under the user's <see cref="UserJudgementLock"/>.
/// </summary>
public sealed partial class ImagingDesignProcessor(
    IBlobStore blobs,
    UserArtworkIndexCache indexes,
    AnalysisGate gate,
    IOptions<ImagingOptions> options,
    ILogger<ImagingDesignProcessor> logger) : IDesignProcessor
{
    private readonly ImagingOptions _options = options.Value;

    public async Task<AnalyzedDesign> AnalyzeAsync(DesignToProcess design, CancellationToken cancellationToken)
    {
        DesignAnalysis analysis;
        byte[] thumbnail;
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
                thumbnail = analysis.RenderThumbnail();
            }
        }
        catch (ImageRejectedException e)
        {
            LogRejected(design.Id, e.Reason, e.Message);
            return AnalyzedDesign.Finished(DesignProcessingResult.Failed(e.Message));
        }

        var storedThumbnail = await blobs.PutAsync(new MemoryStream(thumbnail), long.MaxValue, cancellationToken);

        // What the judgement needs, without the pixels: the handler keeps a job's analyses until it judges them.
        var analyzed = new DesignProcessingResult
        {
            Status = DesignStatus.Processed,
            Width = analysis.Header.Width,
            Height = analysis.Header.Height,
            Ahash = HashBits.ToStored(analysis.Hashes.Average),
            Phash = HashBits.ToStored(analysis.Hashes.Perceptual),
            Dhash = HashBits.ToStored(analysis.Hashes.Difference),
            Whash = HashBits.ToStored(analysis.Hashes.Wavelet),
            ThumbnailSha256 = storedThumbnail.Sha256,
            ArtworkKey = HashBits.ToStored(analysis.Artwork.Key),
            ArtworkSignature = analysis.Artwork.ToBytes(),
        };
        var artwork = analysis.Artwork;

        // The judgement against the designs indexed so far runs here, with the other analyses; under the user's lock
        // only the designs recorded since are judged.
        var search = design.EarlierCopyId is null ? indexes.Loaded(design.UserId)?.Begin(artwork, excludeId: design.Id) : null;
        return new AnalyzedDesign(ct => JudgeAsync(design, artwork, search, analyzed, ct));
    }

    private async Task<DesignProcessingResult> JudgeAsync(
        DesignToProcess design, ArtworkSignature artwork, PendingArtworkSearch? search, DesignProcessingResult analyzed, CancellationToken cancellationToken)
    {
        var index = await indexes.GetCurrentAsync(design.UserId, cancellationToken);
        var related = design.EarlierCopyId is not null ? []
            : search is not null ? index.Finish(search)
            : index.Find(artwork, excludeId: design.Id);
        index.Add(design.Id, artwork);

        if (design.EarlierCopyId is { } original)
        {
            return Related(analyzed, original, DesignRelation.Exact, 0);
        }

        return related.Count == 0 ? analyzed : Related(analyzed, related[0].Id, related[0].Match.Relation, related[0].Match.Distance);
    }

    private static DesignProcessingResult Related(DesignProcessingResult analyzed, Guid other, DesignRelation relation, int distance)
    {
        bool duplicate = relation.IsDuplicate();
        return analyzed with
        {
            Status = duplicate ? DesignStatus.Duplicate : DesignStatus.Processed,
            Relation = relation.ToName(),
            RelatedDesignId = other,
            RelationDistance = distance,
            DuplicateOfId = duplicate ? other : null,
            DuplicateDistance = duplicate ? distance : null,
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Design {DesignId} rejected ({Reason}): {Message}")]
    private partial void LogRejected(Guid designId, ImageRejectionReason reason, string message);
}
