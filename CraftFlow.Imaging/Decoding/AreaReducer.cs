using System.Runtime.CompilerServices;

namespace CraftFlow.Imaging.Decoding;

/// <summary>
/// Shrinks RGBA rows, fed top to bottom, by an integer factor with box averaging: the display copy of a
/// design (<see cref="RgbaImage"/>) without its full-size pixels ever being held. Colour is averaged
/// weighted by alpha, so the hidden colour under transparent pixels does not bleed into visible edges.
/// </summary>
internal sealed class AreaReducer
{
    private readonly int _width;
    private readonly int _height;
    private readonly int _factor;
    private readonly uint[] _sums;
    private readonly byte[] _output;
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
        _rowsInBox++;
        if (_rowsInBox == _factor || y == _height - 1)
        {
            Emit(y / _factor);
        }
    }

    /// <summary>The reduced image, as stored (no orientation applied).</summary>
    public RgbaImage ToImage() => new(OutputWidth, OutputHeight, _output);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Accumulate(ReadOnlySpan<byte> rgba)
    {
        // Fully transparent pixels add nothing: skip a row's transparent margins (most of a print file).
        ReadOnlySpan<uint> pixels = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(rgba[..(_width * 4)]);
        int first = pixels.IndexOfAnyExcept(0u);
        if (first < 0)
        {
            return;
        }

        int last = pixels.LastIndexOfAnyExcept(0u);
        uint[] sums = _sums;
        int factor = _factor;
        for (int x = first; x <= last; x++)
        {
            int s = x * 4;
            uint a = rgba[s + 3];
            if (a == 0)
            {
                continue;
            }

            int o = x / factor * 4;
            sums[o] += rgba[s] * a;
            sums[o + 1] += rgba[s + 1] * a;
            sums[o + 2] += rgba[s + 2] * a;
            sums[o + 3] += a;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Emit(int outputRow)
    {
        Span<byte> target = _output.AsSpan(outputRow * OutputWidth * 4, OutputWidth * 4);
        for (int ox = 0; ox < OutputWidth; ox++)
        {
            uint boxWidth = (uint)Math.Min(_factor, _width - (ox * _factor));
            uint count = boxWidth * (uint)_rowsInBox;
            int o = ox * 4;
            uint alphaSum = _sums[o + 3];
            if (alphaSum != 0)
            {
                target[o] = (byte)((_sums[o] + (alphaSum / 2)) / alphaSum);
                target[o + 1] = (byte)((_sums[o + 1] + (alphaSum / 2)) / alphaSum);
                target[o + 2] = (byte)((_sums[o + 2] + (alphaSum / 2)) / alphaSum);
                target[o + 3] = (byte)((alphaSum + (count / 2)) / count);
            }
        }

        Array.Clear(_sums);
        _rowsInBox = 0;
    }
}
