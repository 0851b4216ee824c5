using System.Buffers.Binary;

namespace CraftFlow.Imaging.Decoding;

/// <summary>
/// Reads the width and height a file declares straight from its header bytes, for the formats where that
/// is a fixed-offset field or a short marker walk. This runs before ImageMagick sees the file, so a
/// decompression bomb is refused as <see cref="ImageRejectionReason.TooManyPixels"/> without any coder
/// allocating for it (ImageMagick's own width/height limits would report it only as a generic error).
/// </summary>
internal static class DeclaredDimensions
{
    public static bool TryRead(ReadOnlySpan<byte> data, ImageContainerFormat format, out long width, out long height)
    {
        width = height = 0;
        switch (format)
        {
            case ImageContainerFormat.Png when data.Length >= 24 && data.Slice(12, 4).SequenceEqual("IHDR"u8):
                width = BinaryPrimitives.ReadUInt32BigEndian(data[16..]);
                height = BinaryPrimitives.ReadUInt32BigEndian(data[20..]);
                return true;
            case ImageContainerFormat.Gif when data.Length >= 10:
                width = BinaryPrimitives.ReadUInt16LittleEndian(data[6..]);
                height = BinaryPrimitives.ReadUInt16LittleEndian(data[8..]);
                return true;
            case ImageContainerFormat.Bmp when data.Length >= 26:
                uint headerSize = BinaryPrimitives.ReadUInt32LittleEndian(data[14..]);
                if (headerSize == 12)
                {
                    width = BinaryPrimitives.ReadUInt16LittleEndian(data[18..]);
                    height = BinaryPrimitives.ReadUInt16LittleEndian(data[20..]);
                }
                else
                {
                    width = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(data[18..]));
                    height = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(data[22..]));
                }

                return true;
            case ImageContainerFormat.WebP:
                return TryReadWebP(data, out width, out height);
            case ImageContainerFormat.Jpeg:
                return TryReadJpeg(data, out width, out height);
            default:
                return false;
        }
    }

    private static bool TryReadWebP(ReadOnlySpan<byte> data, out long width, out long height)
    {
        width = height = 0;
        if (data.Length < 30)
        {
            return false;
        }

        ReadOnlySpan<byte> chunk = data.Slice(12, 4);
        if (chunk.SequenceEqual("VP8X"u8))
        {
            width = 1 + (data[24] | (data[25] << 8) | (data[26] << 16));
            height = 1 + (data[27] | (data[28] << 8) | (data[29] << 16));
            return true;
        }

        if (chunk.SequenceEqual("VP8L"u8) && data[20] == 0x2F)
        {
            uint bits = BinaryPrimitives.ReadUInt32LittleEndian(data[21..]);
            width = 1 + (bits & 0x3FFF);
            height = 1 + ((bits >> 14) & 0x3FFF);
            return true;
        }

        if (chunk.SequenceEqual("VP8 "u8))
        {
            width = BinaryPrimitives.ReadUInt16LittleEndian(data[26..]) & 0x3FFF;
            height = BinaryPrimitives.ReadUInt16LittleEndian(data[28..]) & 0x3FFF;
            return true;
        }

        return false;
    }

    // Walks the JPEG markers up to the first start-of-frame (SOF0..SOF15 except DHT/JPG/DAC).
    private static bool TryReadJpeg(ReadOnlySpan<byte> data, out long width, out long height)
    {
        width = height = 0;
        int i = 2;
        while (i + 4 <= data.Length)
        {
            if (data[i] != 0xFF)
            {
                return false;
            }

            byte marker = data[i + 1];
            if (marker == 0xFF)
            {
                i++;
                continue;
            }

            if (marker is 0xD8 or 0x01 or (>= 0xD0 and <= 0xD7))
            {
                i += 2;
                continue;
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(data[(i + 2)..]);
            bool isFrame = marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC;
            if (isFrame)
            {
                if (i + 9 > data.Length)
                {
                    return false;
                }

                height = BinaryPrimitives.ReadUInt16BigEndian(data[(i + 5)..]);
                width = BinaryPrimitives.ReadUInt16BigEndian(data[(i + 7)..]);
                return true;
            }

            if (marker == 0xDA || length < 2)
            {
                return false;
            }

            i += 2 + length;
        }

        return false;
    }
}
