using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CraftFlow.Imaging.Hashing;

/// <summary>
/// Pillow 9.4's <c>Image.resize(size, LANCZOS)</c> for 8-bit grayscale (Resample.c), reproduced bit for bit:
/// double-precision Lanczos-3 coefficients normalised per output sample, converted to 22-bit fixed point
/// with round-half-away-from-zero, a horizontal pass into an 8-bit intermediate, then a vertical pass.
/// A generic Lanczos resampler (ImageMagick's included) rounds differently and changes hash bits.
/// </summary>
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

        int intermediateLength = outWidth * height;
        byte[] rented = System.Buffers.ArrayPool<byte>.Shared.Rent(intermediateLength);
        try
        {
            Span<byte> intermediate = rented.AsSpan(0, intermediateLength);
            ResampleHorizontal(source, width, height, intermediate, outWidth, GetCoefficients(width, outWidth));
            ResampleVertical(intermediate, outWidth, destination, outHeight, GetCoefficients(height, outHeight));
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
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

    private static void ResampleHorizontal(ReadOnlySpan<byte> source, int width, int height, Span<byte> destination, int outWidth, ResampleCoefficients c)
    {
        ReadOnlySpan<int> weights = c.Weights;
        for (int y = 0; y < height; y++)
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

    private static void ResampleVertical(ReadOnlySpan<byte> source, int width, Span<byte> destination, int outHeight, ResampleCoefficients c)
    {
        int[] rented = System.Buffers.ArrayPool<int>.Shared.Rent(width);
        try
        {
            Span<int> accumulators = rented.AsSpan(0, width);
            for (int yy = 0; yy < outHeight; yy++)
            {
                accumulators.Fill(1 << (PrecisionBits - 1));
                int start = c.Starts[yy];
                int count = c.Counts[yy];
                ReadOnlySpan<int> k = c.Weights.AsSpan(yy * c.MaxTaps, count);
                for (int t = 0; t < count; t++)
                {
                    AddScaledRow(source.Slice((start + t) * width, width), k[t], accumulators);
                }

                Span<byte> outRow = destination.Slice(yy * width, width);
                for (int x = 0; x < width; x++)
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte Clip8(int sum)
    {
        int v = sum >> PrecisionBits;
        return v < 0 ? (byte)0 : v > 255 ? (byte)255 : (byte)v;
    }

    /// <summary>Integer dot product; 32-bit wrap-around is harmless because the exact total always fits.</summary>
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
