using System.Buffers.Binary;

using CraftFlow.Imaging.Hashing;

namespace CraftFlow.Imaging.Decoding;

/// <summary>
/// 16-bit BMP (5-5-5, or 5-6-5 bitfields) straight to Pillow's grayscale. Pillow expands a 5-bit channel
/// as <c>v * 255 / 31</c> and a 6-bit one as <c>v * 255 / 63</c>, truncating; ImageMagick replicates bits
/// instead, which differs for a third of the values. Other layouts return null and go to ImageMagick.
/// </summary>
internal static class SixteenBitBmpDecoder
{
    public static GrayImage? TryDecodeToGray(byte[] bmp)
    {
        if (bmp.Length < 54 || BinaryPrimitives.ReadUInt16LittleEndian(bmp.AsSpan(28)) != 16)
        {
            return null;
        }

        uint headerSize = BinaryPrimitives.ReadUInt32LittleEndian(bmp.AsSpan(14));
        uint compression = BinaryPrimitives.ReadUInt32LittleEndian(bmp.AsSpan(30));
        if (headerSize < 40)
        {
            return null;
        }

        bool sixFiveFive;
        if (compression == 0)
        {
            sixFiveFive = false;
        }
        else if (compression == 3 && bmp.Length >= 66)
        {
            uint red = BinaryPrimitives.ReadUInt32LittleEndian(bmp.AsSpan(54));
            uint green = BinaryPrimitives.ReadUInt32LittleEndian(bmp.AsSpan(58));
            uint blue = BinaryPrimitives.ReadUInt32LittleEndian(bmp.AsSpan(62));
            if ((red, green, blue) == (0xF800, 0x07E0, 0x001F))
            {
                sixFiveFive = true;
            }
            else if ((red, green, blue) == (0x7C00, 0x03E0, 0x001F))
            {
                sixFiveFive = false;
            }
            else
            {
                return null;
            }
        }
        else
        {
            return null;
        }

        int width = BinaryPrimitives.ReadInt32LittleEndian(bmp.AsSpan(18));
        int rawHeight = BinaryPrimitives.ReadInt32LittleEndian(bmp.AsSpan(22));
        if (width <= 0 || rawHeight == 0 || rawHeight == int.MinValue)
        {
            return null;
        }

        int height = Math.Abs(rawHeight);
        bool bottomUp = rawHeight > 0;
        long offset = BinaryPrimitives.ReadUInt32LittleEndian(bmp.AsSpan(10));
        long stride = ((width * 2L) + 3) & ~3L;
        if (offset + (stride * height) > bmp.Length)
        {
            throw new ImageRejectedException(ImageRejectionReason.Corrupt, "BMP pixel data is truncated.");
        }

        var gray = new byte[(long)width * height];
        for (int row = 0; row < height; row++)
        {
            int y = bottomUp ? height - 1 - row : row;
            ReadOnlySpan<byte> line = bmp.AsSpan((int)(offset + (row * stride)), width * 2);
            Span<byte> target = gray.AsSpan(y * width, width);
            for (int x = 0; x < width; x++)
            {
                int pixel = line[2 * x] | (line[(2 * x) + 1] << 8);
                int b = (pixel & 31) * 255 / 31;
                int g = sixFiveFive ? ((pixel >> 5) & 63) * 255 / 63 : ((pixel >> 5) & 31) * 255 / 31;
                int r = sixFiveFive ? ((pixel >> 11) & 31) * 255 / 31 : ((pixel >> 10) & 31) * 255 / 31;
                target[x] = PillowGrayscale.Luma((byte)r, (byte)g, (byte)b);
            }
        }

        return new GrayImage(width, height, gray);
    }
}
