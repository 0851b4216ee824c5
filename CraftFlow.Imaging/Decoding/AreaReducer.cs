using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CraftFlow.Imaging.Decoding;

/// <summary>
/// Shrinks RGBA rows, fed top to bottom, by an integer factor with box averaging: the display copy of a
/// design (<see cref="RgbaImage"/>) without its full-size pixels ever being held. Colour is averaged
/// weighted by alpha, so the hidden colour under transparent pixels does not bleed into visible edges.
/// </summary>
internal sealed class AreaReducer
{
    private const double RoundingSlack = 1e-9;

    private readonly int _width;
    private readonly int _height;
    private readonly int _factor;
    private readonly uint[] _sums;
    private readonly byte[] _output;
    private ushort[]? _columnSums;
    private int _rowsInBox;

    public AreaReducer(int width, int height)
    {
        _width = width;
        _height = height;
        _factor = FactorFor(width, height);
        OutputWidth = (width + _factor - 1) / _factor;
        OutputHeight = (height + _factor - 1) / _factor;
        _sums = new uint[OutputWidth * 4];
        _output = new byte[OutputWidth * OutputHeight * 4];
    }

    public int OutputWidth { get; }

    public int OutputHeight { get; }

    /// <summary>The largest factor that keeps the longest side at least <see cref="RgbaImage.MinimumLongestSide"/>.</summary>
    public static int FactorFor(int width, int height) => Math.Max(1, Math.Max(width, height) / RgbaImage.MinimumLongestSide);

    public void AddRow(int y, ReadOnlySpan<byte> rgba)
    {
        if (_factor == 1)
        {
            rgba[..(_width * 4)].CopyTo(_output.AsSpan(y * _width * 4));
            return;
        }

        Accumulate(rgba);
        if (CompletesBox(y))
        {
            Emit(y / _factor);
        }
    }

    /// <summary>
    /// A row of an image without alpha, R, G, B a pixel (ImageMagick's pixel cache of an RGB JPEG): the same result
    /// as <see cref="AddRow"/> with alpha 255, summed down the columns first so that a pixel costs one vector lane.
    /// </summary>
    public void AddOpaqueRgbRow(int y, ReadOnlySpan<byte> rgb)
    {
        if (_factor == 1)
        {
            CopyOpaque(rgb, _output.AsSpan(y * _width * 4, _width * 4));
            return;
        }

        // At most 255 × factor (< 2^15 for any side the pixel limit allows) per column: ushort is enough.
        _columnSums ??= new ushort[_width * 3];
        AddColumns(rgb[..(_width * 3)], _columnSums);
        if (CompletesBox(y))
        {
            FoldColumns();
            Emit(y / _factor);
        }
    }

    /// <summary>The reduced image, as stored (no orientation applied).</summary>
    public RgbaImage ToImage() => new(OutputWidth, OutputHeight, _output);

    private bool CompletesBox(int y) => ++_rowsInBox == _factor || y == _height - 1;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Accumulate(ReadOnlySpan<byte> rgba)
    {
        // Fully transparent pixels add nothing: skip a row's transparent margins (most of a print file).
        ReadOnlySpan<uint> pixels = MemoryMarshal.Cast<byte, uint>(rgba[..(_width * 4)]);
        int first = pixels.IndexOfAnyExcept(0u);
        if (first < 0)
        {
            return;
        }

        int last = pixels.LastIndexOfAnyExcept(0u);
        uint[] sums = _sums;
        int factor = _factor;

        // Box by box, with the sums in registers: no division per pixel.
        for (int box = first / factor; box <= last / factor; box++)
        {
            int end = Math.Min((box + 1) * factor, last + 1);
            uint r = 0, g = 0, b = 0, alpha = 0;
            for (int s = Math.Max(box * factor, first) * 4; s < end * 4; s += 4)
            {
                uint a = rgba[s + 3];
                r += rgba[s] * a;
                g += rgba[s + 1] * a;
                b += rgba[s + 2] * a;
                alpha += a;
            }

            int o = box * 4;
            sums[o] += r;
            sums[o + 1] += g;
            sums[o + 2] += b;
            sums[o + 3] += alpha;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddColumns(ReadOnlySpan<byte> row, ushort[] sums)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref byte source = ref MemoryMarshal.GetReference(row);
            ref ushort target = ref MemoryMarshal.GetArrayDataReference(sums);
            for (; i <= row.Length - Vector256<byte>.Count; i += Vector256<byte>.Count)
            {
                var (low, high) = Vector256.Widen(Vector256.LoadUnsafe(ref source, (nuint)i));
                (Vector256.LoadUnsafe(ref target, (nuint)i) + low).StoreUnsafe(ref target, (nuint)i);
                (Vector256.LoadUnsafe(ref target, (nuint)(i + Vector256<ushort>.Count)) + high).StoreUnsafe(ref target, (nuint)(i + Vector256<ushort>.Count));
            }
        }

        for (; i < row.Length; i++)
        {
            sums[i] += row[i];
        }
    }

    /// <summary>The box's column sums as the alpha-weighted sums <see cref="Accumulate"/> would have made at alpha 255.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void FoldColumns()
    {
        ReadOnlySpan<ushort> columns = _columnSums;
        Span<uint> sums = _sums;
        int factor = _factor, width = _width;
        uint rows = (uint)_rowsInBox;
        for (int box = 0, o = 0; o < sums.Length; box++, o += 4)
        {
            int x0 = box * factor, x1 = Math.Min(x0 + factor, width);
            uint r = 0, g = 0, b = 0;
            for (int c = x0 * 3; c < x1 * 3; c += 3)
            {
                r += columns[c];
                g += columns[c + 1];
                b += columns[c + 2];
            }

            sums[o] = r * 255;
            sums[o + 1] = g * 255;
            sums[o + 2] = b * 255;
            sums[o + 3] = 255 * (uint)(x1 - x0) * rows;
        }

        Array.Clear(_columnSums!);
    }

    private static void CopyOpaque(ReadOnlySpan<byte> rgb, Span<byte> rgba)
    {
        for (int s = 0, o = 0; o < rgba.Length; s += 3, o += 4)
        {
            rgba[o] = rgb[s];
            rgba[o + 1] = rgb[s + 1];
            rgba[o + 2] = rgb[s + 2];
            rgba[o + 3] = 255;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Emit(int outputRow)
    {
        Span<byte> target = _output.AsSpan(outputRow * OutputWidth * 4, OutputWidth * 4);
        ReadOnlySpan<uint> sums = _sums;
        int factor = _factor, width = _width;
        uint rows = (uint)_rowsInBox;
        for (int ox = 0, o = 0; o < target.Length; ox++, o += 4)
        {
            uint alphaSum = sums[o + 3];
            if (alphaSum == 0)
            {
                continue;
            }

            // round(S / A) as floor((S + A/2) / A), three times with one division: n / A is an integer or at least
            // 1/A (> 2.5e-6 for any box the pixel limit allows) from the next one, far above the product's error.
            double inverse = 1.0 / alphaSum;
            uint half = alphaSum / 2;
            target[o] = (byte)(uint)(((sums[o] + half) * inverse) + RoundingSlack);
            target[o + 1] = (byte)(uint)(((sums[o + 1] + half) * inverse) + RoundingSlack);
            target[o + 2] = (byte)(uint)(((sums[o + 2] + half) * inverse) + RoundingSlack);
            uint count = (uint)Math.Min(factor, width - (ox * factor)) * rows;
            target[o + 3] = alphaSum == 255 * count ? (byte)255 : (byte)((alphaSum + (count / 2)) / count);
        }

        Array.Clear(_sums);
        _rowsInBox = 0;
    }
}
