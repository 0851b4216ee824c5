using System.Security.Cryptography;

namespace CraftFlow.DuplicateEval;

/// <summary>How many of the examined source files each selection rule turned away.</summary>
public sealed record SelectionStatistics(
    int Examined, int Undecodable, int NoTransparency, int TooSmall, int NearBlank, int IdenticalPixels, int NearIdentical);

/// <summary>
/// Chooses distinct artwork from a clip-art collection, deterministically: the PNGs in ordinal order of their
/// relative paths, shuffled with a fixed seed, then taken in that order when they pass every rule below. The
/// first files taken become the bases, the rest the distractors, so a smaller set is a prefix of a larger one.
/// </summary>
public static class SourceSelection
{
    /// <summary>Real transparency: at least this share of the canvas is fully transparent, as a print design's is.</summary>
    public const double MinimumTransparentShare = 0.10;

    /// <summary>The visible artwork's bounding box (alpha ≥ 32) is at least this many pixels on both sides.</summary>
    public const int MinimumVisibleSide = 64;

    /// <summary>Not near-blank: at least this share of the canvas is clearly visible (alpha ≥ 128).</summary>
    public const double MinimumVisibleShare = 0.02;

    /// <summary>
    /// Re-uploads and near-copies are skipped: files whose 16×16 thumbnails of the visible artwork, straight or
    /// mirrored or turned a quarter, differ from an already chosen file's by at most these mean absolute differences (0–255) in alpha and
    /// in luminance on white, with nearly the same aspect ratio of the artwork box. On openclipart that catches the
    /// same file under two paths, left and right versions of one arrow, the same art in another colour, and families
    /// of one drawing with a small local edit (a tear on a smiley, a clock's hand, a bow tie): edits no bigger than
    /// the watermark and crop variants that the evaluation itself counts as duplicates. Left in such pairs would
    /// count a detector's right answers as false duplicates. Signs that share a frame but show another symbol
    /// (a horse or a cow in the same red triangle) differ by more and stay: telling those apart is the detector's job.
    /// </summary>
    public const double NearIdenticalAlphaDifference = 4;

    public const double NearIdenticalLuminanceDifference = 8;

    public const double NearIdenticalAspectRatio = 1.10;

    private const int ThumbnailSide = 16;

    public static (IReadOnlyList<string> Chosen, SelectionStatistics Statistics) Select(
        string sourceDirectory, int count, int seed, CancellationToken cancellationToken)
    {
        var candidates = Directory.EnumerateFiles(sourceDirectory, "*.png", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(sourceDirectory, path))
            .Order(StringComparer.Ordinal)
            .ToArray();
        new Random(seed).Shuffle(candidates);

        var chosen = new List<string>(count);
        var pixelDigests = new HashSet<string>(StringComparer.Ordinal);
        var thumbnails = new List<Thumbnail>(count);
        int examined = 0, undecodable = 0, noTransparency = 0, tooSmall = 0, nearBlank = 0, identical = 0, nearIdentical = 0;
        foreach (var candidate in candidates)
        {
            if (chosen.Count == count)
            {
                break;
            }

            cancellationToken.ThrowIfCancellationRequested();
            examined++;
            Artwork artwork;
            try
            {
                artwork = Artwork.Load(Path.Combine(sourceDirectory, candidate));
            }
            catch (ImageMagick.MagickException)
            {
                undecodable++;
                continue;
            }

            var canvas = (double)artwork.Width * artwork.Height;
            if (CountAlpha(artwork, a => a == 0) < MinimumTransparentShare * canvas)
            {
                noTransparency++;
                continue;
            }

            if (artwork.VisibleBounds() is not { } bounds || bounds.Width < MinimumVisibleSide || bounds.Height < MinimumVisibleSide)
            {
                tooSmall++;
                continue;
            }

            if (CountAlpha(artwork, a => a >= 128) < MinimumVisibleShare * canvas)
            {
                nearBlank++;
                continue;
            }

            if (!pixelDigests.Add(VisiblePixelDigest(artwork)))
            {
                identical++;
                continue;
            }

            var thumbnail = Thumbnail.Of(artwork, bounds);
            if (thumbnails.Any(thumbnail.IsNearlyIdentical))
            {
                nearIdentical++;
                continue;
            }

            thumbnails.Add(thumbnail);
            chosen.Add(candidate);
        }

        if (chosen.Count < count)
        {
            throw new InvalidOperationException($"Only {chosen.Count} of {candidates.Length} PNGs under {sourceDirectory} pass the selection rules; {count} are wanted.");
        }

        return (chosen, new SelectionStatistics(examined, undecodable, noTransparency, tooSmall, nearBlank, identical, nearIdentical));
    }

    private static int CountAlpha(Artwork artwork, Func<byte, bool> predicate)
    {
        int count = 0;
        for (int i = 3; i < artwork.Rgba.Length; i += 4)
        {
            count += predicate(artwork.Rgba[i]) ? 1 : 0;
        }

        return count;
    }

    /// <summary>SHA-256 of the pixels with the colour under fully transparent pixels zeroed: what a person sees.</summary>
    private static string VisiblePixelDigest(Artwork artwork)
    {
        var visible = (byte[])artwork.Rgba.Clone();
        for (int i = 0; i < visible.Length; i += 4)
        {
            if (visible[i + 3] == 0)
            {
                visible[i] = visible[i + 1] = visible[i + 2] = 0;
            }
        }

        return $"{artwork.Width}x{artwork.Height}:{Convert.ToHexString(SHA256.HashData(visible))}";
    }

    /// <summary>Box-averaged 16×16 alpha and luminance-on-white of the visible artwork's bounding box.</summary>
    private sealed record Thumbnail(double AspectRatio, double[] Alpha, double[] Luminance)
    {
        public static Thumbnail Of(Artwork artwork, (int X, int Y, int Width, int Height) bounds)
        {
            var alpha = new double[ThumbnailSide * ThumbnailSide];
            var luminance = new double[ThumbnailSide * ThumbnailSide];
            var weight = new int[ThumbnailSide * ThumbnailSide];
            for (int y = 0; y < bounds.Height; y++)
            {
                for (int x = 0; x < bounds.Width; x++)
                {
                    int cell = ((y * ThumbnailSide / bounds.Height) * ThumbnailSide) + (x * ThumbnailSide / bounds.Width);
                    int i = ((((bounds.Y + y) * artwork.Width) + bounds.X + x) * 4);
                    double a = artwork.Rgba[i + 3] / 255.0;
                    double luma = (0.299 * artwork.Rgba[i]) + (0.587 * artwork.Rgba[i + 1]) + (0.114 * artwork.Rgba[i + 2]);
                    alpha[cell] += artwork.Rgba[i + 3];
                    luminance[cell] += (luma * a) + (255 * (1 - a));
                    weight[cell]++;
                }
            }

            for (int cell = 0; cell < weight.Length; cell++)
            {
                alpha[cell] /= weight[cell];
                luminance[cell] /= weight[cell];
            }

            return new Thumbnail(bounds.Width / (double)bounds.Height, alpha, luminance);
        }

        public bool IsNearlyIdentical(Thumbnail other)
        {
            const int last = ThumbnailSide - 1;
            if (SimilarAspect(AspectRatio, other.AspectRatio)
                && (Matches(other, static (x, y) => (x, y)) || Matches(other, static (x, y) => (last - x, y))))
            {
                return true;
            }

            // A quarter turn either way: the evaluation counts a rotated upload as a duplicate too.
            return SimilarAspect(AspectRatio, 1 / other.AspectRatio)
                && (Matches(other, static (x, y) => (y, last - x)) || Matches(other, static (x, y) => (last - y, x)));
        }

        private static bool SimilarAspect(double mine, double theirs)
        {
            var ratio = mine / theirs;
            return ratio <= NearIdenticalAspectRatio && ratio >= 1 / NearIdenticalAspectRatio;
        }

        /// <summary>Whether <paramref name="other"/>, read at <paramref name="source"/>(x, y) for each of this thumbnail's cells, is nearly this one.</summary>
        private bool Matches(Thumbnail other, Func<int, int, (int X, int Y)> source)
        {
            double alphaDifference = 0, luminanceDifference = 0;
            for (int y = 0; y < ThumbnailSide; y++)
            {
                for (int x = 0; x < ThumbnailSide; x++)
                {
                    int mine = (y * ThumbnailSide) + x;
                    var (tx, ty) = source(x, y);
                    int theirs = (ty * ThumbnailSide) + tx;
                    alphaDifference += Math.Abs(Alpha[mine] - other.Alpha[theirs]);
                    luminanceDifference += Math.Abs(Luminance[mine] - other.Luminance[theirs]);
                }
            }

            const int cells = ThumbnailSide * ThumbnailSide;
            return alphaDifference / cells <= NearIdenticalAlphaDifference && luminanceDifference / cells <= NearIdenticalLuminanceDifference;
        }
    }
}
