using System.Buffers.Binary;
using System.IO.Compression;

using CraftFlow.Imaging.Hashing;

namespace CraftFlow.Imaging.Decoding;

/// <summary>
/// Decodes 16-bit PNGs straight to Pillow's grayscale. ImageMagick's Q8 build scales 16-bit samples to 8 bits
/// (v / 257, rounded) while Pillow keeps them: grayscale becomes mode <c>I</c> and is then clamped to 0..255,
/// colour and gray+alpha keep the high byte. Neither is recoverable from 8-bit samples, so these files are
/// decoded here (zlib, the five scanline filters and Adam7 interlacing are all PNG needs).
/// </summary>
internal static class SixteenBitPngDecoder
{
    private static readonly (int X0, int Y0, int Dx, int Dy)[] Adam7 =
    [
        (0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2),
    ];

    /// <summary>True when the PNG's IHDR declares 16 bits per sample.</summary>
    public static bool IsSixteenBit(ReadOnlySpan<byte> png) =>
        png.Length >= 26 && png.Slice(12, 4).SequenceEqual("IHDR"u8) && png[24] == 16;

    public static GrayImage DecodeToGray(byte[] png)
    {
        int width = 0, height = 0, colorType = -1, interlace = 0;
        using var idat = new MemoryStream();
        int offset = 8;
        bool sawEnd = false;
        while (offset + 8 <= png.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
            ReadOnlySpan<byte> type = png.AsSpan(offset + 4, 4);
            if (length < 0 || offset + 12L + length > png.Length)
            {
                throw Corrupt("PNG chunk runs past the end of the file.");
            }

            ReadOnlySpan<byte> data = png.AsSpan(offset + 8, length);
            if (type.SequenceEqual("IHDR"u8))
            {
                if (length < 13)
                {
                    throw Corrupt("PNG IHDR is too short.");
                }

                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                colorType = data[9];
                interlace = data[12];
            }
            else if (type.SequenceEqual("IDAT"u8))
            {
                idat.Write(data);
            }
            else if (type.SequenceEqual("IEND"u8))
            {
                sawEnd = true;
                break;
            }

            offset += 12 + length;
        }

        int channels = colorType switch
        {
            0 => 1,
            2 => 3,
            4 => 2,
            6 => 4,
            _ => throw Corrupt("Unsupported 16-bit PNG colour type."),
        };
        if (width <= 0 || height <= 0 || !sawEnd || idat.Length == 0)
        {
            throw Corrupt("PNG is truncated or has no image data.");
        }

        int bytesPerPixel = channels * 2;
        var passes = interlace == 1 ? Adam7 : [(0, 0, 1, 1)];

        // Rows are inflated one at a time: a tiny file declaring a large image costs at most the gray output
        // (bounded by the pixel limit checked before), never a buffer for all of its 16-bit samples.
        var gray = new byte[(long)width * height];
        idat.Position = 0;
        try
        {
            using var inflater = new ZLibStream(idat, CompressionMode.Decompress);
            foreach (var (x0, y0, dx, dy) in passes)
            {
                int pw = (width - x0 + dx - 1) / dx;
                int ph = (height - y0 + dy - 1) / dy;
                if (pw <= 0 || ph <= 0)
                {
                    continue;
                }

                int stride = checked(pw * bytesPerPixel);
                var previous = new byte[stride];
                var current = new byte[stride + 1];
                for (int row = 0; row < ph; row++)
                {
                    inflater.ReadExactly(current);
                    byte filter = current[0];
                    Span<byte> line = current.AsSpan(1);
                    Unfilter(filter, line, previous, bytesPerPixel);
                    int y = y0 + (row * dy);
                    for (int i = 0; i < pw; i++)
                    {
                        gray[(y * (long)width) + x0 + (i * dx)] = ToPillowGray(line.Slice(i * bytesPerPixel, bytesPerPixel), colorType);
                    }

                    line.CopyTo(previous);
                }
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException)
        {
            throw new ImageRejectedException(ImageRejectionReason.Corrupt, "PNG image data is corrupt or truncated.", ex);
        }

        return new GrayImage(width, height, gray);
    }

    private static byte ToPillowGray(ReadOnlySpan<byte> px, int colorType) => colorType switch
    {
        0 => PillowGrayscale.ClampSixteenBit((px[0] << 8) | px[1]),
        4 => px[0],
        _ => PillowGrayscale.Luma(px[0], px[2], px[4]),
    };

    private static void Unfilter(byte filter, Span<byte> line, ReadOnlySpan<byte> previous, int bpp)
    {
        switch (filter)
        {
            case 0:
                break;
            case 1:
                for (int i = bpp; i < line.Length; i++)
                {
                    line[i] += line[i - bpp];
                }

                break;
            case 2:
                for (int i = 0; i < line.Length; i++)
                {
                    line[i] += previous[i];
                }

                break;
            case 3:
                for (int i = 0; i < line.Length; i++)
                {
                    int left = i >= bpp ? line[i - bpp] : 0;
                    line[i] += (byte)((left + previous[i]) >> 1);
                }

                break;
            case 4:
                for (int i = 0; i < line.Length; i++)
                {
                    int a = i >= bpp ? line[i - bpp] : 0;
                    int b = previous[i];
                    int c = i >= bpp ? previous[i - bpp] : 0;
                    int p = a + b - c;
                    int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
                    line[i] += (byte)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
                }

                break;
            default:
                throw Corrupt("Unknown PNG filter type.");
        }
    }

    private static ImageRejectedException Corrupt(string message) => new(ImageRejectionReason.Corrupt, message);
}
