using CraftFlow.Imaging.Decoding;

using ImageMagick;

namespace CraftFlow.Imaging.Rendering;

/// <summary>
/// Gallery thumbnails: EXIF orientation applied, transparency composited onto white, shrunk so the longest
/// side is at most <see cref="DefaultLongestSide"/> (never enlarged), metadata stripped, encoded as WebP.
/// </summary>
public static class ThumbnailRenderer
{
    public const int DefaultLongestSide = 400;

    public static byte[] Render(byte[] imageBytes, ImagingOptions? options = null, int longestSide = DefaultLongestSide, int quality = 80)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(longestSide);
        using var image = ImageDecoder.DecodeForRendering(imageBytes, options);
        return Encode(image, longestSide, quality);
    }

    /// <summary>The thumbnail of an already decoded display copy (the Worker's single-decode path).</summary>
    public static byte[] Render(RgbaImage appearance, int longestSide = DefaultLongestSide, int quality = 80)
    {
        ArgumentNullException.ThrowIfNull(appearance);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(longestSide);
        using var image = new MagickImage();
        image.ReadPixels(appearance.Pixels, new PixelReadSettings((uint)appearance.Width, (uint)appearance.Height, StorageType.Char, PixelMapping.RGBA));
        return Encode(image, longestSide, quality);
    }

    private static byte[] Encode(MagickImage image, int longestSide, int quality)
    {
        try
        {
            FlattenOnto(image, MagickColors.White);
            if (image.Width > longestSide || image.Height > longestSide)
            {
                // Thumbnail() resizes and drops profiles in one pass; the geometry keeps the aspect ratio.
                image.Thumbnail(new MagickGeometry((uint)longestSide, (uint)longestSide));
            }

            image.Strip();
            image.Format = MagickFormat.WebP;
            image.Quality = (uint)quality;
            return image.ToByteArray();
        }
        catch (MagickException ex)
        {
            throw new ImageRejectedException(ImageRejectionReason.Corrupt, "The thumbnail could not be rendered.", ex);
        }
    }

    public static byte[] Render(Stream stream, ImagingOptions? options = null, int longestSide = DefaultLongestSide)
    {
        options ??= ImagingOptions.Default;
        return Render(ImageDecoder.ReadBounded(stream, options), options, longestSide);
    }

    internal static void FlattenOnto(MagickImage image, IMagickColor<byte> background)
    {
        if (image.HasAlpha)
        {
            image.BackgroundColor = background;
            image.Alpha(AlphaAction.Remove);
            image.Alpha(AlphaAction.Off);
        }
    }
}
