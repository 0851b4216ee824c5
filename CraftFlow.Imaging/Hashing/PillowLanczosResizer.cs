using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

using CraftFlow.Imaging.Decoding;

namespace CraftFlow.Imaging.Hashing;

/// <summary>
/// Pillow 9.4's <c>Image.resize(size, LANCZOS)</c> for 8-bit grayscale (Resample.c), reproduced bit for bit:
/// double-precision Lanczos-3 coefficients normalised per output sample, converted to 22-bit fixed point
/// with round-half-away-from-zero, a horizontal pass into an 8-bit intermediate, then a vertical pass.
/// A generic Lanczos resampler (ImageMagick's included) rounds differently and changes hash bits.
/// </summary>
/// <remarks>
/// Both passes are integer sums, so any order of evaluation gives Pillow's bytes. The vertical pass runs 32
/// columns at a time with the accumulators in registers. The horizontal pass of a mild reduction (whash's
/// 4500 → 4096: about 7 taps per output, too few to vectorise along a row) transposes 16-row bands, runs
/// the vertical kernel on them and transposes back; a strong reduction (the 8- to 32-pixel hashes, thousands
/// of taps) takes dot products along the row.
/// </remarks>
public static class PillowLanczosResizer
{
    private const int PrecisionBits = 32 - 8 - 2;
    private const double LanczosSupport = 3.0;

    // Coefficients depend only on (input length, output length); uploads repeat a few sizes, so a small
    // cache saves the ~10k sin() calls per axis. Bounded so odd sizes cannot grow it without limit.
    private const int MaxCachedCoefficientSets = 512;
    private static readonly ConcurrentDictionary<(int In, int Out), ResampleCoefficients> CoefficientCache = new();

    /// <summary>Resizes <paramref name="source"/> (width × height) into <paramref name="destination"/> (outWidth × outHeight).</summary>
    public static void Resize(ReadOnlySpan<byte> source, int width, int height, Span<byte> destination, int outWidth, int outHeight)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outHeight);
        if (source.Length < width * height || destination.Length < outWidth * outHeight)
        {
            throw new ArgumentException("Buffer smaller than its declared size.");
        }

        bool horizontal = outWidth != width;
        bool vertical = outHeight != height;
        if (!horizontal && !vertical)
        {
            // Pillow returns a copy without resampling when the size is unchanged.
            source[..(width * height)].CopyTo(destination);
            return;
        }

        if (!vertical)
        {
            ResampleHorizontal(source, width, height, destination, outWidth, GetCoefficients(width, outWidth));
            return;
        }

        if (!horizontal)
        {
            ResampleVertical(source, width, destination, outHeight, GetCoefficients(height, outHeight));
            return;
        }

        using var intermediate = Scratch.Rent(outWidth * height);
        ResampleHorizontal(source, width, height, intermediate.Span, outWidth, GetCoefficients(width, outWidth));
        ResampleVertical(intermediate.Span, outWidth, destination, outHeight, GetCoefficients(height, outHeight));
    }

    /// <summary>Convenience overload that allocates the result.</summary>
    public static byte[] Resize(GrayImage image, int outWidth, int outHeight)
    {
        ArgumentNullException.ThrowIfNull(image);
        var result = new byte[outWidth * outHeight];
        Resize(image.Span, image.Width, image.Height, result, outWidth, outHeight);
        return result;
    }

    internal static ResampleCoefficients GetCoefficients(int inSize, int outSize)
    {
        if (CoefficientCache.TryGetValue((inSize, outSize), out var cached))
        {
            return cached;
        }

        var computed = ResampleCoefficients.Compute(inSize, outSize);
        if (CoefficientCache.Count >= MaxCachedCoefficientSets)
        {
            CoefficientCache.Clear();
        }

        CoefficientCache.TryAdd((inSize, outSize), computed);
        return computed;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ResampleHorizontal(ReadOnlySpan<byte> source, int width, int height, Span<byte> destination, int outWidth, ResampleCoefficients c)
    {
        int y = 0;
        if (c.MaxTaps < 32 && Sse2.IsSupported && Vector256.IsHardwareAccelerated && width >= Band && outWidth >= Band)
        {
            y = ResampleHorizontalBanded(source, width, height, destination, outWidth, c);
        }

        ReadOnlySpan<int> weights = c.Weights;
        for (; y < height; y++)
        {
            ReadOnlySpan<byte> row = source.Slice(y * width, width);
            Span<byte> outRow = destination.Slice(y * outWidth, outWidth);
            for (int xx = 0; xx < outWidth; xx++)
            {
                int count = c.Counts[xx];
                int sum = (1 << (PrecisionBits - 1)) + Dot(row.Slice(c.Starts[xx], count), weights.Slice(xx * c.MaxTaps, count));
                outRow[xx] = Clip8(sum);
            }
        }
    }

    private const int Band = 16;

    // Bands of 16 rows: transposed, the row pass becomes a column pass over 16 lanes; transposed back.
    // Returns the first row it did not do (the last height % 16 rows are left to the caller).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int ResampleHorizontalBanded(ReadOnlySpan<byte> source, int width, int height, Span<byte> destination, int outWidth, ResampleCoefficients c)
    {
        using var transposed = Scratch.Rent(width * Band);
        using var resampled = Scratch.Rent(outWidth * Band);
        int y = 0;
        for (; y + Band <= height; y += Band)
        {
            Transpose16(source.Slice(y * width), width, width, transposed.Span, Band);
            ResampleVertical(transposed.Span, Band, resampled.Span, outWidth, c);
            TransposeBack16(resampled.Span, outWidth, destination.Slice(y * outWidth), outWidth);
        }

        return y;
    }

    /// <summary>
    /// Transposes a 16-row block of <paramref name="columns"/> columns: row r, column x of the source (rows
    /// <paramref name="sourceStride"/> apart) lands at row x, column r of the target (rows <paramref name="targetStride"/> apart).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose16(ReadOnlySpan<byte> source, int sourceStride, int columns, Span<byte> target, int targetStride)
    {
        ref byte s = ref MemoryMarshal.GetReference(source);
        ref byte t = ref MemoryMarshal.GetReference(target);
        int x = 0;
        for (; x + 16 <= columns; x += 16)
        {
            Transpose16x16(ref Unsafe.Add(ref s, x), sourceStride, ref Unsafe.Add(ref t, x * targetStride), targetStride);
        }

        for (; x < columns; x++)
        {
            for (int r = 0; r < 16; r++)
            {
                Unsafe.Add(ref t, (x * targetStride) + r) = Unsafe.Add(ref s, (r * sourceStride) + x);
            }
        }
    }

    /// <summary>The inverse of <see cref="Transpose16"/>: <paramref name="rows"/> rows of 16 bytes become 16 rows of <paramref name="rows"/> bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransposeBack16(ReadOnlySpan<byte> source, int rows, Span<byte> target, int targetStride)
    {
        ref byte s = ref MemoryMarshal.GetReference(source);
        ref byte t = ref MemoryMarshal.GetReference(target);
        int x = 0;
        for (; x + 16 <= rows; x += 16)
        {
            Transpose16x16(ref Unsafe.Add(ref s, x * 16), 16, ref Unsafe.Add(ref t, x), targetStride);
        }

        for (; x < rows; x++)
        {
            for (int r = 0; r < 16; r++)
            {
                Unsafe.Add(ref t, (r * targetStride) + x) = Unsafe.Add(ref s, (x * 16) + r);
            }
        }
    }

    // The classic four rounds of interleaving (bytes, words, dwords, qwords) of a 16×16 byte block.
    private static void Transpose16x16(ref byte source, int sourceStride, ref byte target, int targetStride)
    {
        Span<Vector128<byte>> r = stackalloc Vector128<byte>[16];
        for (int i = 0; i < 16; i++)
        {
            r[i] = Vector128.LoadUnsafe(ref source, (nuint)(i * sourceStride));
        }

        Span<Vector128<byte>> a = stackalloc Vector128<byte>[16];
        for (int i = 0; i < 8; i++)
        {
            a[2 * i] = Sse2.UnpackLow(r[2 * i], r[(2 * i) + 1]);
            a[(2 * i) + 1] = Sse2.UnpackHigh(r[2 * i], r[(2 * i) + 1]);
        }

        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < 2; j++)
            {
                var lo = a[(4 * i) + j].AsUInt16();
                var hi = a[(4 * i) + j + 2].AsUInt16();
                r[(4 * i) + (2 * j)] = Sse2.UnpackLow(lo, hi).AsByte();
                r[(4 * i) + (2 * j) + 1] = Sse2.UnpackHigh(lo, hi).AsByte();
            }
        }

        for (int i = 0; i < 2; i++)
        {
            for (int j = 0; j < 4; j++)
            {
                var lo = r[(8 * i) + j].AsUInt32();
                var hi = r[(8 * i) + j + 4].AsUInt32();
                a[(8 * i) + (2 * j)] = Sse2.UnpackLow(lo, hi).AsByte();
                a[(8 * i) + (2 * j) + 1] = Sse2.UnpackHigh(lo, hi).AsByte();
            }
        }

        for (int j = 0; j < 8; j++)
        {
            var lo = a[j].AsUInt64();
            var hi = a[j + 8].AsUInt64();
            Sse2.UnpackLow(lo, hi).AsByte().StoreUnsafe(ref target, (nuint)(2 * j * targetStride));
            Sse2.UnpackHigh(lo, hi).AsByte().StoreUnsafe(ref target, (nuint)(((2 * j) + 1) * targetStride));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ResampleVertical(ReadOnlySpan<byte> source, int width, Span<byte> destination, int outHeight, ResampleCoefficients c)
    {
        int vectorWidth = Vector256.IsHardwareAccelerated ? width - (width % 16) : 0;
        int[] rented = System.Buffers.ArrayPool<int>.Shared.Rent(width);
        try
        {
            Span<int> accumulators = rented.AsSpan(0, width);
            for (int yy = 0; yy < outHeight; yy++)
            {
                int start = c.Starts[yy];
                int count = c.Counts[yy];
                ReadOnlySpan<int> k = c.Weights.AsSpan(yy * c.MaxTaps, count);
                Span<byte> outRow = destination.Slice(yy * width, width);
                if (vectorWidth > 0)
                {
                    VerticalColumns(source.Slice(start * width), width, vectorWidth, k, outRow);
                }

                if (vectorWidth == width)
                {
                    continue;
                }

                Span<int> tail = accumulators[vectorWidth..];
                tail.Fill(1 << (PrecisionBits - 1));
                for (int t = 0; t < count; t++)
                {
                    AddScaledRow(source.Slice(((start + t) * width) + vectorWidth, width - vectorWidth), k[t], tail);
                }

                for (int x = vectorWidth; x < width; x++)
                {
                    outRow[x] = Clip8(accumulators[x]);
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<int>.Shared.Return(rented);
        }
    }

    // One output row, 32 (then 16) columns at a time: every tap's row is added into accumulators held in registers.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void VerticalColumns(ReadOnlySpan<byte> rows, int stride, int columns, ReadOnlySpan<int> weights, Span<byte> output)
    {
        ref byte source = ref MemoryMarshal.GetReference(rows);
        ref byte target = ref MemoryMarshal.GetReference(output);
        var rounding = Vector256.Create(1 << (PrecisionBits - 1));
        int x = 0;
        for (; x + 32 <= columns; x += 32)
        {
            Vector256<int> a0 = rounding, a1 = rounding, a2 = rounding, a3 = rounding;
            for (int t = 0; t < weights.Length; t++)
            {
                var w = Vector256.Create(weights[t]);
                Vector256<byte> bytes = Vector256.LoadUnsafe(ref source, (nuint)((t * stride) + x));
                (Vector256<ushort> lo, Vector256<ushort> hi) = Vector256.Widen(bytes);
                (Vector256<uint> p0, Vector256<uint> p1) = Vector256.Widen(lo);
                (Vector256<uint> p2, Vector256<uint> p3) = Vector256.Widen(hi);
                a0 += p0.AsInt32() * w;
                a1 += p1.AsInt32() * w;
                a2 += p2.AsInt32() * w;
                a3 += p3.AsInt32() * w;
            }

            Vector256<short> low = Vector256.Narrow(Clip8(a0), Clip8(a1));
            Vector256<short> high = Vector256.Narrow(Clip8(a2), Clip8(a3));
            Vector256.Narrow(low.AsUInt16(), high.AsUInt16()).StoreUnsafe(ref target, (nuint)x);
        }

        for (; x + 16 <= columns; x += 16)
        {
            Vector256<int> a0 = rounding, a1 = rounding;
            for (int t = 0; t < weights.Length; t++)
            {
                var w = Vector256.Create(weights[t]);
                Vector128<byte> bytes = Vector128.LoadUnsafe(ref source, (nuint)((t * stride) + x));
                (Vector256<uint> p0, Vector256<uint> p1) = Vector256.Widen(Vector256.WidenLower(bytes.ToVector256Unsafe()));
                a0 += p0.AsInt32() * w;
                a1 += p1.AsInt32() * w;
            }

            Vector128<short> packed0 = Vector128.Narrow(Clip8(a0).GetLower(), Clip8(a0).GetUpper());
            Vector128<short> packed1 = Vector128.Narrow(Clip8(a1).GetLower(), Clip8(a1).GetUpper());
            Vector128.Narrow(packed0.AsUInt16(), packed1.AsUInt16()).StoreUnsafe(ref target, (nuint)x);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Clip8(Vector256<int> sum) =>
        Vector256.Min(Vector256.Max(Vector256.ShiftRightArithmetic(sum, PrecisionBits), Vector256<int>.Zero), Vector256.Create(255));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte Clip8(int sum)
    {
        int v = sum >> PrecisionBits;
        return v < 0 ? (byte)0 : v > 255 ? (byte)255 : (byte)v;
    }

    /// <summary>Integer dot product; 32-bit wrap-around is harmless because the exact total always fits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Dot(ReadOnlySpan<byte> pixels, ReadOnlySpan<int> weights)
    {
        int i = 0;
        int sum = 0;
        if (Vector256.IsHardwareAccelerated && pixels.Length >= 16)
        {
            ref byte p = ref MemoryMarshal.GetReference(pixels);
            ref int w = ref MemoryMarshal.GetReference(weights);
            Vector256<int> acc = Vector256<int>.Zero;
            for (; i <= pixels.Length - 16; i += 16)
            {
                Vector128<byte> bytes = Vector128.LoadUnsafe(ref p, (nuint)i);
                (Vector128<ushort> lo, Vector128<ushort> hi) = Vector128.Widen(bytes);
                (Vector256<uint> a, Vector256<uint> b) = Vector256.Widen(Vector256.Create(lo, hi));
                acc += (a.AsInt32() * Vector256.LoadUnsafe(ref w, (nuint)i)) + (b.AsInt32() * Vector256.LoadUnsafe(ref w, (nuint)(i + 8)));
            }

            sum = Vector256.Sum(acc);
        }

        for (; i < pixels.Length; i++)
        {
            sum += pixels[i] * weights[i];
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddScaledRow(ReadOnlySpan<byte> row, int weight, Span<int> accumulators)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && row.Length >= 16)
        {
            ref byte p = ref MemoryMarshal.GetReference(row);
            ref int acc = ref MemoryMarshal.GetReference(accumulators);
            var w = Vector256.Create(weight);
            for (; i <= row.Length - 16; i += 16)
            {
                Vector128<byte> bytes = Vector128.LoadUnsafe(ref p, (nuint)i);
                (Vector128<ushort> lo, Vector128<ushort> hi) = Vector128.Widen(bytes);
                (Vector256<uint> a, Vector256<uint> b) = Vector256.Widen(Vector256.Create(lo, hi));
                (Vector256.LoadUnsafe(ref acc, (nuint)i) + (a.AsInt32() * w)).StoreUnsafe(ref acc, (nuint)i);
                (Vector256.LoadUnsafe(ref acc, (nuint)(i + 8)) + (b.AsInt32() * w)).StoreUnsafe(ref acc, (nuint)(i + 8));
            }
        }

        for (; i < row.Length; i++)
        {
            accumulators[i] += row[i] * weight;
        }
    }

    /// <summary>A work buffer: pooled when small, native (and freed at once) when large.</summary>
    private ref struct Scratch
    {
        private const int PooledLimit = 1 << 20;
        private byte[]? _pooled;
        private NativeBuffer? _native;
        private int _length;

        public readonly Span<byte> Span => _pooled is not null ? _pooled.AsSpan(0, _length) : _native!.Span;

        public static Scratch Rent(int length) => length <= PooledLimit
            ? new Scratch { _pooled = System.Buffers.ArrayPool<byte>.Shared.Rent(length), _length = length }
            : new Scratch { _native = NativeBuffer.Allocate(length), _length = length };

        public void Dispose()
        {
            if (_pooled is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(_pooled);
            }

            _native?.Dispose();
            _pooled = null;
            _native = null;
        }
    }

    internal sealed class ResampleCoefficients
    {
        private ResampleCoefficients(int[] starts, int[] counts, int[] weights, int maxTaps)
        {
            Starts = starts;
            Counts = counts;
            Weights = weights;
            MaxTaps = maxTaps;
        }

        public int[] Starts { get; }

        public int[] Counts { get; }

        /// <summary>Fixed-point weights, <see cref="MaxTaps"/> per output sample.</summary>
        public int[] Weights { get; }

        public int MaxTaps { get; }

        /// <summary>Pillow's <c>precompute_coeffs</c> + <c>normalize_coeffs_8bpc</c> for box (0, inSize).</summary>
        public static ResampleCoefficients Compute(int inSize, int outSize)
        {
            double scale = (double)inSize / outSize;
            double filterScale = Math.Max(scale, 1.0);
            double support = LanczosSupport * filterScale;
            int maxTaps = (int)Math.Ceiling(support) * 2 + 1;
            var starts = new int[outSize];
            var counts = new int[outSize];
            var weights = new int[outSize * maxTaps];
            var w = new double[maxTaps];
            double ss = 1.0 / filterScale;
            for (int xx = 0; xx < outSize; xx++)
            {
                double center = 0.0 + ((xx + 0.5) * scale);
                int xmin = (int)(center - support + 0.5);
                if (xmin < 0)
                {
                    xmin = 0;
                }

                int xmax = (int)(center + support + 0.5);
                if (xmax > inSize)
                {
                    xmax = inSize;
                }

                int n = xmax - xmin;
                double ww = 0.0;
                for (int x = 0; x < n; x++)
                {
                    // Same evaluation order as Pillow: ((x + xmin) - center + 0.5) * ss.
                    double v = Lanczos(((x + xmin) - center + 0.5) * ss);
                    w[x] = v;
                    ww += v;
                }

                for (int x = 0; x < n; x++)
                {
                    double v = ww != 0.0 ? w[x] / ww : w[x];
                    weights[(xx * maxTaps) + x] = v < 0
                        ? (int)(-0.5 + (v * (1 << PrecisionBits)))
                        : (int)(0.5 + (v * (1 << PrecisionBits)));
                }

                starts[xx] = xmin;
                counts[xx] = n;
            }

            return new ResampleCoefficients(starts, counts, weights, maxTaps);
        }

        private static double Sinc(double x)
        {
            if (x == 0.0)
            {
                return 1.0;
            }

            x *= Math.PI;
            return Math.Sin(x) / x;
        }

        private static double Lanczos(double x) => x >= -LanczosSupport && x < LanczosSupport ? Sinc(x) * Sinc(x / 3.0) : 0.0;
    }
}
