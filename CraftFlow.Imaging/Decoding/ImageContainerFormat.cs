using ImageMagick;

namespace CraftFlow.Imaging.Decoding;

/// <summary>The formats CraftFlow accepts, recognised by their magic bytes.</summary>
public enum ImageContainerFormat
{
    Unknown,
    Jpeg,
    Png,
    Gif,
    Bmp,
    Tiff,
    WebP,
}

/// <summary>
/// Recognises the accepted formats by signature. ImageMagick is then told the format explicitly, so it never
/// guesses one of its many other coders (SVG, MVG, PostScript, text…) from hostile content.
/// </summary>
public static class ImageFormatSniffer
{
    public static ImageContainerFormat Detect(ReadOnlySpan<byte> header)
    {
        if (header.Length >= 3 && header[0] == 0xFF && header[1] == 0xD8 && header[2] == 0xFF)
        {
            return ImageContainerFormat.Jpeg;
        }

        if (header.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return ImageContainerFormat.Png;
        }

        if (header.StartsWith("GIF87a"u8) || header.StartsWith("GIF89a"u8))
        {
            return ImageContainerFormat.Gif;
        }

        if (header.StartsWith("BM"u8) && header.Length >= 14)
        {
            return ImageContainerFormat.Bmp;
        }

        if (header.StartsWith("II*\0"u8) || header.StartsWith("MM\0*"u8))
        {
            return ImageContainerFormat.Tiff;
        }

        if (header.Length >= 12 && header.StartsWith("RIFF"u8) && header.Slice(8, 4).SequenceEqual("WEBP"u8))
        {
            return ImageContainerFormat.WebP;
        }

        return ImageContainerFormat.Unknown;
    }

    internal static MagickFormat ToMagickFormat(ImageContainerFormat format) => format switch
    {
        ImageContainerFormat.Jpeg => MagickFormat.Jpeg,
        ImageContainerFormat.Png => MagickFormat.Png,
        ImageContainerFormat.Gif => MagickFormat.Gif,
        ImageContainerFormat.Bmp => MagickFormat.Bmp,
        ImageContainerFormat.Tiff => MagickFormat.Tiff,
        ImageContainerFormat.WebP => MagickFormat.WebP,
        _ => throw new ImageRejectedException(ImageRejectionReason.UnsupportedFormat, "Unsupported image format."),
    };
}
