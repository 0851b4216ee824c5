using System.Buffers.Binary;

namespace CraftFlow.Imaging.Decoding;

/// <summary>
/// The EXIF Orientation tag (1–8) and how it maps a stored raster to what a viewer shows. Hashes never use
/// it (imagehash hashes the stored pixels); the display copy and the thumbnail do.
/// </summary>
internal static class ExifOrientation
{
    public const int Normal = 1;

    /// <summary>Reads tag 0x0112 from IFD0 of a TIFF-structured EXIF block (with or without the "Exif\0\0" prefix).</summary>
    public static int Read(ReadOnlySpan<byte> exif)
    {
        if (exif.StartsWith("Exif\0\0"u8))
        {
            exif = exif[6..];
        }

        if (exif.Length < 8)
        {
            return Normal;
        }

        bool little = exif.StartsWith("II"u8);
        if (!little && !exif.StartsWith("MM"u8))
        {
            return Normal;
        }

        uint ifd = U32(exif[4..], little);
        if (ifd > exif.Length - 2)
        {
            return Normal;
        }

        int count = U16(exif[(int)ifd..], little);
        for (int i = 0; i < count; i++)
        {
            int entry = (int)ifd + 2 + (i * 12);
            if (entry + 12 > exif.Length)
            {
                break;
            }

            if (U16(exif[entry..], little) == 0x0112)
            {
                int value = U16(exif[(entry + 8)..], little);
                return value is >= 1 and <= 8 ? value : Normal;
            }
        }

        return Normal;
    }

    /// <summary>Whether the orientation swaps width and height (the transposing ones, 5–8).</summary>
    public static bool SwapsAxes(int orientation) => orientation is >= 5 and <= 8;

    /// <summary>
    /// The stored pixel (x, y) that the displayed pixel (dx, dy) shows, for a stored image of
    /// <paramref name="width"/> × <paramref name="height"/>.
    /// </summary>
    public static (int X, int Y) Source(int orientation, int dx, int dy, int width, int height) => orientation switch
    {
        2 => (width - 1 - dx, dy),
        3 => (width - 1 - dx, height - 1 - dy),
        4 => (dx, height - 1 - dy),
        5 => (dy, dx),
        6 => (dy, height - 1 - dx),
        7 => (width - 1 - dy, height - 1 - dx),
        8 => (width - 1 - dy, dx),
        _ => (dx, dy),
    };

    private static ushort U16(ReadOnlySpan<byte> b, bool little) => little ? BinaryPrimitives.ReadUInt16LittleEndian(b) : BinaryPrimitives.ReadUInt16BigEndian(b);

    private static uint U32(ReadOnlySpan<byte> b, bool little) => little ? BinaryPrimitives.ReadUInt32LittleEndian(b) : BinaryPrimitives.ReadUInt32BigEndian(b);
}
