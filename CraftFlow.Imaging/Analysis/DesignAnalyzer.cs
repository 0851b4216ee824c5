using CraftFlow.Imaging.Decoding;
using CraftFlow.Imaging.Duplicates;
using CraftFlow.Imaging.Hashing;
using CraftFlow.Imaging.Rendering;

namespace CraftFlow.Imaging.Analysis;

/// <summary>Everything the Worker derives from one decode of an uploaded design.</summary>
/// <param name="Header">Format and stored (un-oriented) size.</param>
/// <param name="Hashes">imagehash 4.3.2's four hashes of the stored pixels.</param>
/// <param name="Appearance">The design as a viewer sees it, reduced: the duplicate detector's input.</param>
/// <param name="Artwork">The duplicate detector's signature of <paramref name="Appearance"/>.</param>
public sealed record DesignAnalysis(ImageHeader Header, ImageHashes Hashes, RgbaImage Appearance, ArtworkSignature Artwork)
{
    /// <summary>The gallery thumbnail (WebP, <see cref="ThumbnailRenderer.DefaultLongestSide"/> px), for a design being stored.</summary>
    public byte[] RenderThumbnail() => ThumbnailRenderer.Render(Appearance);
}

/// <summary>
/// Decodes a design once, at full exactness, and derives its hashes, its display copy and its artwork signature
/// from that decode (the thumbnail comes from the display copy when the design is stored, not for a mere check). The full-size grayscale is freed as soon as the hashes exist; a print file's full-size RGBA
/// is never held (see <see cref="ImageDecoder.DecodeForAnalysis"/>). Thread-safe; one call uses one core.
/// </summary>
public static class DesignAnalyzer
{
    /// <exception cref="ImageRejectedException">The image is too large, corrupt or of an unsupported format.</exception>
    public static DesignAnalysis Analyze(byte[] data, ImagingOptions? options = null, HashComputationOptions? hashOptions = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        options ??= ImagingOptions.Default;
        var header = ImageDecoder.ReadHeader(data, options);
        var (gray, appearance) = ImageDecoder.DecodeForAnalysis(data, header, options);
        ImageHashes hashes;
        using (gray)
        {
            hashes = PerceptualHasher.Compute(gray, hashOptions);
        }

        return new DesignAnalysis(header, hashes, appearance, ArtworkSignature.Of(appearance));
    }

    /// <summary>
    /// Bytes of memory one analysis of an image of this header needs at its peak, beyond the file itself: the
    /// grayscale, whash's square reduction and the resizer's transposed copies (see <see cref="PillowLanczosResizer"/>),
    /// or ImageMagick's pixel cache for the formats it decodes. Used to bound how many run at once.
    /// </summary>
    public static long PeakBytes(ImageHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        long pixels = header.PixelCount;
        long side = 1L << System.Numerics.BitOperations.Log2((uint)Math.Max(1, Math.Min(header.Width, header.Height)));
        long hashing = pixels + (2 * Math.Max(pixels, side * Math.Max(header.Width, header.Height))) + (side * side);
        long decoding = header.Format == ImageContainerFormat.Png ? 0 : pixels * 8;
        return hashing + decoding;
    }
}
