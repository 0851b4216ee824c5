namespace CraftFlow.Api.Infrastructure;

/// <summary>
/// Recognises the image formats CraftFlow decodes by their first bytes, so a wrong file is refused
/// with 415 before it is stored; the client's Content-Type is not trusted.
/// </summary>
public static class ImageSniffer
{
    public const int HeaderBytes = 16;

    public static string? Detect(ReadOnlySpan<byte> header)
    {
        if (header.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return "image/jpeg";
        }

        if (header.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return "image/png";
        }

        if (header.Length >= 12 && header[..4].SequenceEqual("RIFF"u8) && header[8..12].SequenceEqual("WEBP"u8))
        {
            return "image/webp";
        }

        if (header.StartsWith("GIF87a"u8) || header.StartsWith("GIF89a"u8))
        {
            return "image/gif";
        }

        if (header.StartsWith("BM"u8))
        {
            return "image/bmp";
        }

        if (header.StartsWith("II*\0"u8) || header.StartsWith("MM\0*"u8))
        {
            return "image/tiff";
        }

        return null;
    }
}
