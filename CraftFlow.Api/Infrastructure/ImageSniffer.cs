using CraftFlow.Imaging.Decoding;

namespace CraftFlow.Api.Infrastructure;

/// <summary>
/// The content type of an upload, from its first bytes by the imaging library's signatures, so a wrong
/// file is refused with 415 before it is stored; the client's Content-Type is not trusted.
/// </summary>
public static class ImageSniffer
{
    public const int HeaderBytes = 16;

    public static string? Detect(ReadOnlySpan<byte> header) => ImageFormatSniffer.Detect(header) switch
    {
        ImageContainerFormat.Jpeg => "image/jpeg",
        ImageContainerFormat.Png => "image/png",
        ImageContainerFormat.WebP => "image/webp",
        ImageContainerFormat.Gif => "image/gif",
        ImageContainerFormat.Bmp => "image/bmp",
        ImageContainerFormat.Tiff => "image/tiff",
        _ => null,
    };
}
