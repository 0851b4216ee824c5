using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using CraftFlow.Imaging.Decoding;
using CraftFlow.Imaging.Hashing;

namespace CraftFlow.Imaging.Duplicates;

/// <summary>
/// The duplicate detector's view of one design, taken from its visible artwork (see <see cref="VisibleArtwork"/>), so
/// the canvas, the padding and what lies under transparent pixels do not count:
/// <list type="bullet">
/// <item><see cref="Key"/>: 64 bits from DCT magnitudes that no mirror or quarter turn changes; the index scans it.</item>
/// <item>the outline hash in each of the eight <see cref="Orientation"/>s: DCT signs of a 64×64 ink image (PDQ-style,
/// all eight from one DCT), median-thresholded like phash. Key and outlines see the ink around its centre of mass,
/// 2.5 standard deviations each way, rather than in its bounding box: a crop that cuts the edge of a design moves the
/// box by what it cut but the ink's moments only by the little ink it held, so a cropped copy stays a candidate;</item>
/// <item>a 16×16 layout of the ink in its trimmed frame, a cheap first test of two candidates' agreement;</item>
/// <item>the 64×64 ink in that frame, stored deflated, which <see cref="InkComparison"/> compares cell by cell;</item>
/// <item>a 4×4 grid of CIELAB colours, which is what separates a duplicate from a recolour;</item>
/// <item>the frame's aspect ratio.</item>
/// </list>
/// </summary>
public sealed class ArtworkSignature
{
    public const int LayoutSide = 16;
    public const int ColourSide = 4;
    public const int InkSide = 64;
    private const int KeptFrequencies = 16;
    private const double MomentFrameDeviations = 2.5;

    // Format 1 had no fine ink and hashed the bounding box: its keys and outlines are not comparable with these.
    private const byte FormatVersion = 2;
    private const int FixedLength = 1 + 1 + 4 + (8 * 8) + (LayoutSide * LayoutSide) + (ColourSide * ColourSide * 4);

    // Frequencies (vertical, horizontal) behind the outline hash: the 64 lowest diagonals 1 ≤ v + u ≤ 10 without (5, 5),
    // a set that transposition maps onto itself. Behind the key: |C(v,u)| + |C(u,v)| for the 64 lowest pairs u ≤ v.
    private static readonly (int V, int U)[] OutlineFrequencies = [.. Diagonals(10, pairsOnly: false).Where(f => f != (5, 5))];
    private static readonly (int V, int U)[] KeyFrequencies = [.. Diagonals(15, pairsOnly: true).Take(64)];

    private readonly ulong[] _outlines;

    // A signature just computed keeps its fine ink as it is; one read back from storage inflates it when judged.
    private readonly byte[]? _ink;
    private readonly byte[] _deflatedInk;

    private ArtworkSignature(
        bool isBlank, float aspect, ulong key, ulong[] outlines, byte[] layout, byte[] colours, byte[]? ink, byte[] deflatedInk)
    {
        IsBlank = isBlank;
        Aspect = aspect;
        Key = key;
        _outlines = outlines;
        Layout = layout;
        Colours = colours;
        _ink = ink;
        _deflatedInk = deflatedInk;
    }

    /// <summary>No visible artwork at all (an empty or single-colour canvas): such a design only ever matches byte for byte.</summary>
    public bool IsBlank { get; }

    /// <summary>Width / height of the trimmed artwork.</summary>
    public float Aspect { get; }

    /// <summary>The orientation-independent 64-bit key the index scans (stored in <c>artwork_key</c>).</summary>
    public ulong Key { get; }

    /// <summary>
    /// The ink, 16×16, row-major, 0–255, smoothed by a 3×3 binomial filter: a crop of a few percent moves fine lines by
    /// a cell, not the masses.
    /// </summary>
    internal byte[] Layout { get; }

    /// <summary>Per 4×4 cell: L (0–255 for 0–100), a + 128, b + 128, and the cell's ink coverage (0–255).</summary>
    internal byte[] Colours { get; }

    /// <summary>The outline hash of the artwork turned over by <paramref name="orientation"/>.</summary>
    public ulong Outline(Orientation orientation) => _outlines[orientation.Value];

    /// <summary>The ink in the trimmed frame, <see cref="InkSide"/>², row-major, 0–255; read it, do not write it.</summary>
    internal byte[] Ink()
    {
        if (_ink is not null)
        {
            return _ink;
        }

        var ink = new byte[InkSide * InkSide];
        using var inflater = new ZLibStream(new MemoryStream(_deflatedInk), CompressionMode.Decompress);
        inflater.ReadExactly(ink);
        return ink;
    }

    public static ArtworkSignature Of(RgbaImage image)
    {
        var artwork = VisibleArtwork.Find(image);
        if (artwork.IsBlank)
        {
            var none = new byte[InkSide * InkSide];
            return new ArtworkSignature(
                true, 1, 0, new ulong[8], new byte[LayoutSide * LayoutSide], new byte[ColourSide * ColourSide * 4], none, Deflate(none));
        }

        var (x0, y0, x1, y1) = artwork.Frame;
        // 2 MB for a 512² display copy, needed only for the samples: pooled rather than a large-object allocation per design.
        var inkSums = IntegralImage(artwork.Ink, artwork.Width, artwork.Height);
        byte[] ink, layout, hashed;
        try
        {
            ink = Sample(inkSums, artwork.Width, artwork.Frame, InkSide);
            layout = Smooth(Sample(inkSums, artwork.Width, artwork.Frame, LayoutSide), LayoutSide);
            hashed = SampleAroundCentre(inkSums, artwork, InkMoments.Of(artwork), InkSide);
        }
        finally
        {
            ArrayPool<long>.Shared.Return(inkSums);
        }

        Span<double> coefficients = stackalloc double[KeptFrequencies * KeptFrequencies];
        Dct.LowFrequencies(hashed, InkSide, KeptFrequencies, coefficients);
        var outlines = new ulong[8];
        Span<double> values = stackalloc double[64];
        foreach (var orientation in Orientation.All)
        {
            for (int k = 0; k < 64; k++)
            {
                var (v, u) = OutlineFrequencies[k];
                values[k] = orientation.Coefficient(coefficients, KeptFrequencies, v, u);
            }

            outlines[orientation.Value] = AboveMedian(values);
        }

        for (int k = 0; k < 64; k++)
        {
            var (v, u) = KeyFrequencies[k];
            values[k] = Math.Abs(coefficients[(v * KeptFrequencies) + u]) + Math.Abs(coefficients[(u * KeptFrequencies) + v]);
        }

        float aspect = (float)(x1 - x0) / (y1 - y0);
        return new ArtworkSignature(false, aspect, AboveMedian(values), outlines, layout, ColourGrid(artwork), ink, Deflate(ink));
    }

    /// <summary>The form stored in <c>artwork_signature</c>; <see cref="FromBytes"/> reads it back.</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[FixedLength + _deflatedInk.Length];
        WriteFixedPart(bytes);
        _deflatedInk.CopyTo(bytes, FixedLength);
        return bytes;
    }

    /// <summary>Whether <see cref="ToBytes"/> and <see cref="Key"/> are these, without building them.</summary>
    internal bool IsStoredAs(ulong key, ReadOnlySpan<byte> bytes)
    {
        if (key != Key || bytes.Length != FixedLength + _deflatedInk.Length)
        {
            return false;
        }

        Span<byte> fixedPart = stackalloc byte[FixedLength];
        WriteFixedPart(fixedPart);
        return bytes[..FixedLength].SequenceEqual(fixedPart) && bytes[FixedLength..].SequenceEqual(_deflatedInk);
    }

    private void WriteFixedPart(Span<byte> bytes)
    {
        bytes[0] = FormatVersion;
        bytes[1] = IsBlank ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteSingleLittleEndian(bytes[2..], Aspect);
        for (int o = 0; o < 8; o++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes[(6 + (o * 8))..], _outlines[o]);
        }

        Layout.CopyTo(bytes[70..]);
        Colours.CopyTo(bytes[(70 + Layout.Length)..]);
    }

    /// <returns>The signature, or null for one of an earlier format: that design is matched by its bytes only until it is analysed again.</returns>
    /// <exception cref="FormatException">The bytes are not a signature of this or an earlier format.</exception>
    public static ArtworkSignature? FromBytes(ulong key, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > 0 && bytes[0] is > 0 and < FormatVersion)
        {
            return null;
        }

        if (bytes.Length <= FixedLength || bytes[0] != FormatVersion)
        {
            throw new FormatException($"An artwork signature of format {FormatVersion} has more than {FixedLength} bytes.");
        }

        var outlines = new ulong[8];
        for (int o = 0; o < 8; o++)
        {
            outlines[o] = BinaryPrimitives.ReadUInt64LittleEndian(bytes[(6 + (o * 8))..]);
        }

        int layoutEnd = 70 + (LayoutSide * LayoutSide), coloursEnd = layoutEnd + (ColourSide * ColourSide * 4);
        return new ArtworkSignature(
            bytes[1] == 1, BinaryPrimitives.ReadSingleLittleEndian(bytes[2..]), key, outlines,
            bytes[70..layoutEnd].ToArray(), bytes[layoutEnd..coloursEnd].ToArray(), null, bytes[FixedLength..].ToArray());
    }

    // Clip art is mostly empty or solid ink: 4 KB deflate to about 1.3 KB on openclipart, which is what a seller's
    // index holds per design.
    private static byte[] Deflate(byte[] ink)
    {
        using var deflated = new MemoryStream();
        using (var deflater = new ZLibStream(deflated, CompressionLevel.Optimal, leaveOpen: true))
        {
            deflater.Write(ink);
        }

        return deflated.ToArray();
    }

    private static IEnumerable<(int V, int U)> Diagonals(int maxSum, bool pairsOnly)
    {
        for (int sum = 1; sum <= maxSum; sum++)
        {
            for (int v = 0; v <= sum; v++)
            {
                int u = sum - v;
                if (v < KeptFrequencies && u < KeptFrequencies && (!pairsOnly || v <= u))
                {
                    yield return (v, u);
                }
            }
        }
    }

    private static ulong AboveMedian(ReadOnlySpan<double> values)
    {
        Span<double> sorted = stackalloc double[values.Length];
        values.CopyTo(sorted);
        sorted.Sort();
        double median = (sorted[(values.Length / 2) - 1] + sorted[values.Length / 2]) / 2;
        ulong bits = 0;
        for (int k = 0; k < values.Length; k++)
        {
            if (values[k] > median)
            {
                bits |= 1UL << k;
            }
        }

        return bits;
    }

    /// <summary>The summed-area table ((width + 1) × (height + 1)) in an array rented from the shared pool: return it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long[] IntegralImage(byte[] values, int width, int height)
    {
        var sums = ArrayPool<long>.Shared.Rent((width + 1) * (height + 1));
        Array.Clear(sums, 0, width + 1);
        for (int y = 0; y < height; y++)
        {
            long row = 0;
            sums[(y + 1) * (width + 1)] = 0;
            for (int x = 0; x < width; x++)
            {
                row += values[(y * width) + x];
                sums[((y + 1) * (width + 1)) + x + 1] = sums[(y * (width + 1)) + x + 1] + row;
            }
        }

        return sums;
    }

    /// <summary>The frame averaged into <paramref name="side"/>² cells (stretched to a square: the aspect is kept apart).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static byte[] Sample(long[] sums, int width, (int X0, int Y0, int X1, int Y1) frame, int side)
    {
        var cells = new byte[side * side];
        int stride = width + 1;
        for (int cy = 0; cy < side; cy++)
        {
            var (ya, yb) = CellRange(frame.Y0, frame.Y1, cy, side);
            for (int cx = 0; cx < side; cx++)
            {
                var (xa, xb) = CellRange(frame.X0, frame.X1, cx, side);
                long sum = sums[(yb * stride) + xb] - sums[(ya * stride) + xb] - sums[(yb * stride) + xa] + sums[(ya * stride) + xa];
                cells[(cy * side) + cx] = (byte)((sum + ((xb - xa) * (yb - ya) / 2)) / ((xb - xa) * (yb - ya)));
            }
        }

        return cells;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static byte[] Smooth(byte[] cells, int side)
    {
        ReadOnlySpan<int> taps = [1, 2, 1];
        var smoothed = new byte[cells.Length];
        for (int y = 0; y < side; y++)
        {
            for (int x = 0; x < side; x++)
            {
                int sum = 0, weight = 0;
                for (int dy = -1; dy <= 1; dy++)
                {
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        int xx = x + dx, yy = y + dy;
                        if (xx >= 0 && xx < side && yy >= 0 && yy < side)
                        {
                            int w = taps[dx + 1] * taps[dy + 1];
                            sum += w * cells[(yy * side) + xx];
                            weight += w;
                        }
                    }
                }

                smoothed[(y * side) + x] = (byte)((sum + (weight / 2)) / weight);
            }
        }

        return smoothed;
    }

    /// <summary>
    /// The ink in a square of cells around its centre of mass, <see cref="MomentFrameDeviations"/> standard
    /// deviations each way on each axis (stretched to a square like <see cref="Sample"/>); cells past the image hold no ink.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static byte[] SampleAroundCentre(long[] sums, VisibleArtwork artwork, InkMoments moments, int side)
    {
        int width = artwork.Width, height = artwork.Height, stride = width + 1;
        var (cx, cy) = (moments.CentreX, moments.CentreY);
        double rx = MomentFrameDeviations * moments.SpreadX, ry = MomentFrameDeviations * moments.SpreadY;
        var cells = new byte[side * side];
        for (int gy = 0; gy < side; gy++)
        {
            var (ya, yb) = Edges(cy - ry, 2 * ry, gy, side);
            int ca = Math.Clamp(ya, 0, height), cb = Math.Clamp(yb, 0, height);
            for (int gx = 0; gx < side; gx++)
            {
                var (xa, xb) = Edges(cx - rx, 2 * rx, gx, side);
                int da = Math.Clamp(xa, 0, width), db = Math.Clamp(xb, 0, width);
                long sum = cb > ca && db > da
                    ? sums[(cb * stride) + db] - sums[(ca * stride) + db] - sums[(cb * stride) + da] + sums[(ca * stride) + da]
                    : 0;
                long area = (long)(xb - xa) * (yb - ya);
                cells[(gy * side) + gx] = (byte)((sum + (area / 2)) / area);
            }
        }

        return cells;

        static (int Start, int End) Edges(double start, double length, int cell, int side)
        {
            int a = (int)Math.Floor(start + (cell * length / side));
            int b = (int)Math.Floor(start + ((cell + 1) * length / side));
            return (a, Math.Max(b, a + 1));
        }
    }

    private static (int Start, int End) CellRange(int start, int end, int cell, int side)
    {
        int length = end - start;
        int a = start + (int)((long)cell * length / side);
        int b = start + (int)((long)(cell + 1) * length / side);
        return b > a ? (a, b) : (Math.Min(a, end - 1), Math.Min(a, end - 1) + 1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static byte[] ColourGrid(VisibleArtwork artwork)
    {
        var (x0, y0, x1, y1) = artwork.Frame;
        const int cells = ColourSide * ColourSide;
        Span<double> weight = stackalloc double[cells];
        Span<double> red = stackalloc double[cells];
        Span<double> green = stackalloc double[cells];
        Span<double> blue = stackalloc double[cells];
        Span<long> area = stackalloc long[cells];
        weight.Clear();
        red.Clear();
        green.Clear();
        blue.Clear();
        area.Clear();
        for (int y = y0; y < y1; y++)
        {
            int cy = (int)((long)(y - y0) * ColourSide / (y1 - y0));
            for (int x = x0; x < x1; x++)
            {
                int cell = (cy * ColourSide) + (int)((long)(x - x0) * ColourSide / (x1 - x0));
                int i = (y * artwork.Width) + x;
                double w = artwork.Ink[i];
                area[cell]++;
                weight[cell] += w;
                red[cell] += w * artwork.Rgb[i * 3];
                green[cell] += w * artwork.Rgb[(i * 3) + 1];
                blue[cell] += w * artwork.Rgb[(i * 3) + 2];
            }
        }

        var grid = new byte[cells * 4];
        for (int cell = 0; cell < cells; cell++)
        {
            if (weight[cell] <= 0)
            {
                continue;
            }

            var (l, a, b) = CieLab.FromSrgb(red[cell] / weight[cell], green[cell] / weight[cell], blue[cell] / weight[cell]);
            grid[cell * 4] = (byte)Math.Clamp(Math.Round(l * 2.55), 0, 255);
            grid[(cell * 4) + 1] = (byte)Math.Clamp(Math.Round(a) + 128, 0, 255);
            grid[(cell * 4) + 2] = (byte)Math.Clamp(Math.Round(b) + 128, 0, 255);
            grid[(cell * 4) + 3] = (byte)Math.Clamp(Math.Round(weight[cell] / Math.Max(1, area[cell])), 0, 255);
        }

        return grid;
    }
}
