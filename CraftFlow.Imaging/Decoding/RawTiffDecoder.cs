using System.Buffers.Binary;
using System.IO.Compression;

using CraftFlow.Imaging.Hashing;

namespace CraftFlow.Imaging.Decoding;

/// <summary>
/// Decodes the first page of a 16-bit (or 4/8-bit palette), strip-organised, chunky TIFF straight to Pillow's grayscale, for the
/// same reason as 16-bit PNGs in <see cref="PngDecoder"/>: Pillow opens 16-bit grayscale as mode <c>I;16</c> and
/// clamps it to 0..255, 16-bit RGB(A) keeps the high byte, and ImageMagick's Q8 build has already scaled
/// the samples by 1/257 before we could see them. Handles no compression, LZW, Deflate and PackBits, with
/// or without horizontal differencing. Anything else (tiles, planar, MinIsWhite, other bit depths) is left
/// to ImageMagick: <see cref="TryDecodeToGray"/> returns null.
/// </summary>
internal static class RawTiffDecoder
{
    private const int MaxStrips = 1 << 20;

    public static GrayImage? TryDecodeToGray(byte[] tiff)
    {
        if (tiff.Length < 8)
        {
            return null;
        }

        bool little = tiff[0] == (byte)'I';
        var ifd = ReadFirstIfd(tiff, little);
        if (ifd is null)
        {
            return null;
        }

        int width = (int)ifd.Get(256);
        int height = (int)ifd.Get(257);
        int samples = (int)ifd.Get(277, 1);
        long[] bits = ifd.GetArray(258);
        int compression = (int)ifd.Get(259, 1);
        int photometric = (int)ifd.Get(262, -1);
        int planar = (int)ifd.Get(284, 1);
        int predictor = (int)ifd.Get(317, 1);
        long rowsPerStrip = ifd.Get(278, height);
        long[] offsets = ifd.GetArray(273);
        long[] counts = ifd.GetArray(279);
        long[] sampleFormat = ifd.GetArray(339);

        // Palette TIFFs too: their colormap is 16-bit, Pillow keeps its high byte (v // 256), ImageMagick
        // rounds v / 257, which differs for colormaps written as c * 256 (Pillow's own writer does that).
        long[] colormap = ifd.GetArray(320);
        bool palette = photometric == 3 && samples == 1 && bits.Length == 1 && bits[0] is 8 or 4
            && colormap.Length == 3 << (int)bits[0] && predictor == 1;
        bool sixteenBit = bits.Length > 0 && bits.All(b => b == 16)
            && ((photometric == 1 && samples == 1) || (photometric == 2 && samples is 3 or 4));
        bool supportedLayout = (sixteenBit || palette) && planar == 1
            && (sampleFormat.Length == 0 || sampleFormat.All(f => f == 1))
            && compression is 1 or 5 or 8 or 32946 or 32773 && predictor is 1 or 2
            && offsets.Length > 0 && offsets.Length == counts.Length && offsets.Length <= MaxStrips
            && width > 0 && height > 0 && rowsPerStrip > 0;
        if (!supportedLayout)
        {
            return null;
        }

        int rowBytes = palette ? (bits[0] == 8 ? width : (width + 1) / 2) : checked(width * samples * 2);
        byte[]? paletteGray = palette ? PaletteGray(colormap) : null;
        if ((long)rowBytes * Math.Min(rowsPerStrip, height) > Array.MaxLength)
        {
            throw new ImageRejectedException(ImageRejectionReason.TooManyPixels, "TIFF strips are too large to decode.");
        }

        var gray = new byte[(long)width * height];
        var row = new byte[rowBytes];
        int y = 0;
        for (int strip = 0; strip < offsets.Length && y < height; strip++)
        {
            int rows = (int)Math.Min(rowsPerStrip, height - y);
            if (offsets[strip] < 0 || counts[strip] < 0 || offsets[strip] + counts[strip] > tiff.Length)
            {
                throw Corrupt("TIFF strip lies outside the file.");
            }

            ReadOnlySpan<byte> encoded = tiff.AsSpan((int)offsets[strip], (int)counts[strip]);
            byte[] decoded = Decompress(encoded, compression, rows * rowBytes);
            for (int r = 0; r < rows; r++, y++)
            {
                decoded.AsSpan(r * rowBytes, rowBytes).CopyTo(row);
                if (predictor == 2)
                {
                    UndoHorizontalDifferencing(row, samples, little);
                }

                if (paletteGray is not null)
                {
                    IndicesToGray(row, (int)bits[0], paletteGray, gray.AsSpan(y * width, width));
                }
                else
                {
                    ToPillowGray(row, samples, little, gray.AsSpan(y * width, width));
                }
            }
        }

        if (y < height)
        {
            throw Corrupt("TIFF has fewer rows than it declares.");
        }

        return new GrayImage(width, height, gray);
    }

    // Colormap: all reds, then all greens, then all blues; Pillow keeps the high byte of each 16-bit entry.
    private static byte[] PaletteGray(long[] colormap)
    {
        int entries = colormap.Length / 3;
        var gray = new byte[256];
        for (int i = 0; i < 256; i++)
        {
            gray[i] = i < entries
                ? PillowGrayscale.Luma((byte)(colormap[i] >> 8), (byte)(colormap[entries + i] >> 8), (byte)(colormap[(2 * entries) + i] >> 8))
                : (byte)i;
        }

        return gray;
    }

    private static void IndicesToGray(ReadOnlySpan<byte> row, int bitsPerIndex, byte[] paletteGray, Span<byte> gray)
    {
        for (int x = 0; x < gray.Length; x++)
        {
            int index = bitsPerIndex == 8 ? row[x] : (x % 2 == 0 ? row[x / 2] >> 4 : row[x / 2] & 0x0F);
            gray[x] = paletteGray[index];
        }
    }

    private static void ToPillowGray(ReadOnlySpan<byte> row, int samples, bool little, Span<byte> gray)
    {
        int hi = little ? 1 : 0;
        for (int x = 0; x < gray.Length; x++)
        {
            int s = x * samples * 2;
            if (samples == 1)
            {
                int v = little ? BinaryPrimitives.ReadUInt16LittleEndian(row[s..]) : BinaryPrimitives.ReadUInt16BigEndian(row[s..]);
                gray[x] = PillowGrayscale.ClampSixteenBit(v);
            }
            else
            {
                gray[x] = PillowGrayscale.Luma(row[s + hi], row[s + 2 + hi], row[s + 4 + hi]);
            }
        }
    }

    private static void UndoHorizontalDifferencing(Span<byte> row, int samples, bool little)
    {
        int values = row.Length / 2;
        for (int i = samples; i < values; i++)
        {
            Span<byte> current = row.Slice(i * 2, 2);
            ReadOnlySpan<byte> previous = row.Slice((i - samples) * 2, 2);
            if (little)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(current, (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(current) + BinaryPrimitives.ReadUInt16LittleEndian(previous)));
            }
            else
            {
                BinaryPrimitives.WriteUInt16BigEndian(current, (ushort)(BinaryPrimitives.ReadUInt16BigEndian(current) + BinaryPrimitives.ReadUInt16BigEndian(previous)));
            }
        }
    }

    private static byte[] Decompress(ReadOnlySpan<byte> encoded, int compression, int expected)
    {
        var output = new byte[expected];
        int written;
        switch (compression)
        {
            case 1:
                written = Math.Min(encoded.Length, expected);
                encoded[..written].CopyTo(output);
                break;
            case 8 or 32946:
                try
                {
                    using var inflater = new ZLibStream(new MemoryStream(encoded.ToArray()), CompressionMode.Decompress);
                    written = inflater.ReadAtLeast(output, expected, throwOnEndOfStream: false);
                }
                catch (InvalidDataException ex)
                {
                    throw new ImageRejectedException(ImageRejectionReason.Corrupt, "TIFF Deflate data is corrupt.", ex);
                }

                break;
            case 32773:
                written = PackBits(encoded, output);
                break;
            default:
                written = Lzw(encoded, output);
                break;
        }

        return written < expected ? throw Corrupt("TIFF strip is truncated.") : output;
    }

    private static int PackBits(ReadOnlySpan<byte> input, Span<byte> output)
    {
        int i = 0, o = 0;
        while (i < input.Length && o < output.Length)
        {
            int n = (sbyte)input[i++];
            if (n >= 0)
            {
                int count = Math.Min(n + 1, Math.Min(input.Length - i, output.Length - o));
                input.Slice(i, count).CopyTo(output[o..]);
                i += n + 1;
                o += count;
            }
            else if (n != -128 && i < input.Length)
            {
                int count = Math.Min(1 - n, output.Length - o);
                output.Slice(o, count).Fill(input[i++]);
                o += count;
            }
        }

        return o;
    }

    // TIFF LZW: MSB-first codes of 9..12 bits, ClearCode 256, EndOfInformation 257, "early change" widths.
    private static int Lzw(ReadOnlySpan<byte> input, Span<byte> output)
    {
        const int clear = 256, end = 257;
        var prefix = new short[4096];
        var suffix = new byte[4096];
        var length = new short[4096];
        for (int c = 0; c < 256; c++)
        {
            suffix[c] = (byte)c;
            length[c] = 1;
            prefix[c] = -1;
        }

        Span<byte> stack = stackalloc byte[4096];
        int next = 258, width = 9, previous = -1, o = 0;
        long bitBuffer = 0;
        int bitCount = 0, i = 0;
        while (o < output.Length)
        {
            while (bitCount < width && i < input.Length)
            {
                bitBuffer = (bitBuffer << 8) | input[i++];
                bitCount += 8;
            }

            if (bitCount < width)
            {
                break;
            }

            int code = (int)((bitBuffer >> (bitCount - width)) & ((1 << width) - 1));
            bitCount -= width;
            if (code == end)
            {
                break;
            }

            if (code == clear)
            {
                next = 258;
                width = 9;
                previous = -1;
                continue;
            }

            int emit;
            byte first;
            if (code < next && (code < 256 || code >= 258))
            {
                emit = code;
            }
            else if (code == next && previous >= 0)
            {
                emit = -1;
            }
            else
            {
                throw Corrupt("TIFF LZW data is corrupt.");
            }

            int source = emit >= 0 ? emit : previous;
            int depth = 0;
            for (int c = source; c >= 0; c = prefix[c])
            {
                stack[depth++] = suffix[c];
            }

            first = stack[depth - 1];
            for (int k = depth - 1; k >= 0 && o < output.Length; k--)
            {
                output[o++] = stack[k];
            }

            if (emit < 0 && o < output.Length)
            {
                output[o++] = first;
            }

            if (previous >= 0 && next < 4096)
            {
                prefix[next] = (short)previous;
                suffix[next] = first;
                length[next] = (short)(length[previous] + 1);
                next++;
            }

            previous = code;
            if (next + 1 >= 1 << width && width < 12)
            {
                width++;
            }
        }

        return o;
    }

    private static Ifd? ReadFirstIfd(byte[] tiff, bool little)
    {
        uint offset = ReadUInt32(tiff, 4, little);
        if (offset < 8 || offset + 2L > tiff.Length)
        {
            return null;
        }

        int entries = ReadUInt16(tiff, (int)offset, little);
        if (offset + 2L + (entries * 12L) > tiff.Length)
        {
            return null;
        }

        var ifd = new Ifd();
        for (int e = 0; e < entries; e++)
        {
            int at = (int)offset + 2 + (e * 12);
            int tag = ReadUInt16(tiff, at, little);
            int type = ReadUInt16(tiff, at + 2, little);
            long count = ReadUInt32(tiff, at + 4, little);
            int size = type switch { 3 => 2, 4 => 4, _ => 0 };
            if (size == 0 || count <= 0 || count > MaxStrips)
            {
                continue;
            }

            long dataAt = count * size <= 4 ? at + 8 : ReadUInt32(tiff, at + 8, little);
            if (dataAt + (count * size) > tiff.Length)
            {
                return null;
            }

            var values = new long[count];
            for (int k = 0; k < count; k++)
            {
                int p = (int)dataAt + (k * size);
                values[k] = size == 2 ? ReadUInt16(tiff, p, little) : ReadUInt32(tiff, p, little);
            }

            ifd.Values[tag] = values;
        }

        return ifd;
    }

    private static ushort ReadUInt16(byte[] b, int at, bool little) =>
        little ? BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(at)) : BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(at));

    private static uint ReadUInt32(byte[] b, int at, bool little) =>
        little ? BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at)) : BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(at));

    private static ImageRejectedException Corrupt(string message) => new(ImageRejectionReason.Corrupt, message);

    private sealed class Ifd
    {
        public Dictionary<int, long[]> Values { get; } = [];

        public long Get(int tag, long fallback = 0) => Values.TryGetValue(tag, out var v) && v.Length > 0 ? v[0] : fallback;

        public long[] GetArray(int tag) => Values.TryGetValue(tag, out var v) ? v : [];
    }
}
