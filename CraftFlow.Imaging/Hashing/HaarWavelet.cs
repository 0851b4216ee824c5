using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CraftFlow.Imaging.Hashing;

/// <summary>
/// The Haar steps of imagehash's <c>whash</c> with PyWavelets 1.1.1's exact floating-point operation order:
/// a full <c>wavedec2</c>, the 1×1 approximation zeroed, <c>waverec2</c>, then approximation-only levels.
/// In exact arithmetic the round trip only subtracts the mean; in doubles its rounding noise decides ties
/// between equal coefficients (flat areas, icons), so the order of every addition is kept.
/// All steps are local to 2×2 blocks, so each level is done block by block.
/// </summary>
public static class HaarWavelet
{
    private const double C = 0.7071067811865476;

    // px = P / 255. with numpy's correctly rounded division; a table avoids a division per pixel.
    private static readonly double[] Scaled = Enumerable.Range(0, 256).Select(static v => v / 255.0).ToArray();

    /// <summary>
    /// Returns the <paramref name="hashSize"/> × <paramref name="hashSize"/> low band of
    /// <c>wavedec2(waverec2(mean-removed wavedec2(px)), 'haar', level)[0]</c>, where <c>px = pixels / 255</c>.
    /// </summary>
    /// <remarks>
    /// The finest level dominates the cost, so it is never materialised: its approximation is computed from
    /// the pixels, the coarser levels go through the round trip, and the last pass recomputes each 2×2
    /// block's finest details from the pixels (the same operations, so the same doubles), reconstructs the
    /// block and immediately takes its first approximation-only step. Nothing of full size is allocated.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double[] MeanRemovedLowBand(ReadOnlySpan<byte> pixels, int size, int hashSize)
    {
        if (!IsPowerOfTwo(size) || !IsPowerOfTwo(hashSize) || hashSize > size || size < 2 || pixels.Length < size * size)
        {
            throw new ArgumentException("Sizes must be powers of two with 2 <= hashSize <= size.");
        }

        if (Avx2.IsSupported && size >= 32 && hashSize * 4 <= size)
        {
            return TwoLevelFused(pixels, size, hashSize);
        }

        int half = size / 2;
        double[] coarse = ArrayPool<double>.Shared.Rent(half * half);
        bool vectorized = Avx2.IsSupported && half % 4 == 0 && size > hashSize;
        for (int o = 0; o < half; o++)
        {
            if (vectorized)
            {
                for (int p = 0; p < half; p += 4)
                {
                    BlockVector.FromPixels(pixels, size, o, p).Approximation().StoreUnsafe(ref coarse[0], (nuint)((o * half) + p));
                }

                continue;
            }

            for (int p = 0; p < half; p++)
            {
                var b = Block.FromPixels(pixels, size, o, p);
                coarse[(o * half) + p] = b.Approximation();
            }
        }

        // Levels 2..L: full decomposition, the 1×1 approximation zeroed, reconstruction back to half size.
        double[] reconstructedCoarse = RoundTrip(coarse, half);
        if (!ReferenceEquals(reconstructedCoarse, coarse))
        {
            ArrayPool<double>.Shared.Return(coarse);
        }

        coarse = reconstructedCoarse;
        bool reduce = size > hashSize;
        double[] result = ArrayPool<double>.Shared.Rent(reduce ? half * half : size * size);
        for (int o = 0; o < half; o++)
        {
            if (vectorized)
            {
                for (int p = 0; p < half; p += 4)
                {
                    var b = BlockVector.FromPixels(pixels, size, o, p);
                    b.Details(out var da, out var ad, out var dd);
                    var aa = Vector256.LoadUnsafe(ref coarse[0], (nuint)((o * half) + p));
                    BlockVector.Reconstruct(aa, da, ad, dd).Approximation().StoreUnsafe(ref result[0], (nuint)((o * half) + p));
                }

                continue;
            }

            for (int p = 0; p < half; p++)
            {
                var b = Block.FromPixels(pixels, size, o, p);
                b.Details(out double da, out double ad, out double dd);
                var r = Block.Reconstruct(coarse[(o * half) + p], da, ad, dd);
                if (reduce)
                {
                    result[(o * half) + p] = r.Approximation();
                }
                else
                {
                    int top = 2 * o * size;
                    result[top + (2 * p)] = r.X00;
                    result[top + (2 * p) + 1] = r.X01;
                    result[top + size + (2 * p)] = r.X10;
                    result[top + size + (2 * p) + 1] = r.X11;
                }
            }
        }

        ArrayPool<double>.Shared.Return(coarse);
        int n = reduce ? half : size;
        while (n > hashSize)
        {
            int next = n / 2;
            var aa = ArrayPool<double>.Shared.Rent(next * next);
            ApproximationOnly(result, n, aa);
            ArrayPool<double>.Shared.Return(result);
            result = aa;
            n = next;
        }

        var low = result.AsSpan(0, hashSize * hashSize).ToArray();
        ArrayPool<double>.Shared.Return(result);
        return low;
    }

    /// <summary>Returns a pooled array (or <paramref name="input"/> itself when size is 1).</summary>
    /// <summary>
    /// The same computation with the two finest levels never stored: pass 1 turns each 4×4 pixel tile into
    /// its level-2 coefficients, the round trip runs from level 2 up, and pass 2 rebuilds each tile (level-2
    /// reconstruction, then the four level-1 blocks from recomputed details), taking the first two
    /// approximation-only steps on the spot. Every lane performs the scalar operations in the scalar order.
    /// Saves most of the memory traffic, which is what the whash time is made of.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double[] TwoLevelFused(ReadOnlySpan<byte> pixels, int size, int hashSize)
    {
        var pool = ArrayPool<double>.Shared;
        int quarter = size / 4;
        int count = quarter * quarter;
        double[] aa2 = pool.Rent(count), da2 = pool.Rent(count), ad2 = pool.Rent(count), dd2 = pool.Rent(count);
        for (int q = 0; q < quarter; q++)
        {
            for (int p2 = 0; p2 < quarter; p2 += 4)
            {
                int p = 2 * p2;
                var top = BlockVector.Pair(
                    BlockVector.FromPixels(pixels, size, 2 * q, p).Approximation(),
                    BlockVector.FromPixels(pixels, size, 2 * q, p + 4).Approximation(),
                    BlockVector.FromPixels(pixels, size, (2 * q) + 1, p).Approximation(),
                    BlockVector.FromPixels(pixels, size, (2 * q) + 1, p + 4).Approximation());
                top.Details(out var da, out var ad, out var dd);
                nuint i = (nuint)((q * quarter) + p2);
                top.Approximation().StoreUnsafe(ref aa2[0], i);
                da.StoreUnsafe(ref da2[0], i);
                ad.StoreUnsafe(ref ad2[0], i);
                dd.StoreUnsafe(ref dd2[0], i);
            }
        }

        double[] roundTripped = RoundTrip(aa2, quarter);
        if (!ReferenceEquals(roundTripped, aa2))
        {
            pool.Return(aa2);
        }

        double[] result = pool.Rent(count);
        for (int q = 0; q < quarter; q++)
        {
            for (int p2 = 0; p2 < quarter; p2 += 4)
            {
                nuint i = (nuint)((q * quarter) + p2);
                var level2 = BlockVector.Reconstruct(
                    Vector256.LoadUnsafe(ref roundTripped[0], i),
                    Vector256.LoadUnsafe(ref da2[0], i),
                    Vector256.LoadUnsafe(ref ad2[0], i),
                    Vector256.LoadUnsafe(ref dd2[0], i));
                (var c0a, var c0b) = BlockVector.Interleave(level2.X00, level2.X01);
                (var c1a, var c1b) = BlockVector.Interleave(level2.X10, level2.X11);
                int p = 2 * p2;
                BlockVector.Pair(
                    Level1(pixels, size, 2 * q, p, c0a),
                    Level1(pixels, size, 2 * q, p + 4, c0b),
                    Level1(pixels, size, (2 * q) + 1, p, c1a),
                    Level1(pixels, size, (2 * q) + 1, p + 4, c1b)).Approximation().StoreUnsafe(ref result[0], i);
            }
        }

        pool.Return(roundTripped);
        pool.Return(da2);
        pool.Return(ad2);
        pool.Return(dd2);

        int n = quarter;
        while (n > hashSize)
        {
            int next = n / 2;
            var aa = pool.Rent(next * next);
            ApproximationOnly(result, n, aa);
            pool.Return(result);
            result = aa;
            n = next;
        }

        var low = result.AsSpan(0, hashSize * hashSize).ToArray();
        pool.Return(result);
        return low;
    }

    // Level-1 blocks (o, p..p+3): details recomputed from the pixels, reconstructed with the round-tripped
    // approximation, then their approximation-only value.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Level1(ReadOnlySpan<byte> pixels, int size, int o, int p, Vector256<double> approximation)
    {
        var b = BlockVector.FromPixels(pixels, size, o, p);
        b.Details(out var da, out var ad, out var dd);
        return BlockVector.Reconstruct(approximation, da, ad, dd).Approximation();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double[] RoundTrip(double[] input, int size)
    {
        double[] approx = input;
        var details = new List<(double[] Da, double[] Ad, double[] Dd, int Half)>();
        int n = size;
        while (n > 1)
        {
            int half = n / 2;
            var pool = ArrayPool<double>.Shared;
            var aa = pool.Rent(half * half);
            var da = pool.Rent(half * half);
            var ad = pool.Rent(half * half);
            var dd = pool.Rent(half * half);
            Decompose(approx, n, aa, da, ad, dd);
            details.Add((da, ad, dd, half));
            if (n != size)
            {
                pool.Return(approx);
            }

            approx = aa;
            n = half;
        }

        // coeffs[0] *= 0
        approx[0] *= 0;

        for (int level = details.Count - 1; level >= 0; level--)
        {
            (double[] da, double[] ad, double[] dd, int half) = details[level];
            var reconstructed = ArrayPool<double>.Shared.Rent(4 * half * half);
            Reconstruct(approx, da, ad, dd, half, reconstructed);
            ArrayPool<double>.Shared.Return(da);
            ArrayPool<double>.Shared.Return(ad);
            ArrayPool<double>.Shared.Return(dd);
            if (!ReferenceEquals(approx, input))
            {
                ArrayPool<double>.Shared.Return(approx);
            }

            approx = reconstructed;
        }

        return approx;
    }

    /// <summary>
    /// Four horizontally adjacent 2×2 blocks, one per lane, with exactly the operations of <see cref="Block"/>:
    /// IEEE multiplications and additions lane by lane (no FMA), so every lane equals the scalar result.
    /// Its helpers are marked for inlining: the kernels are compiled optimised at first call, without the profile that
    /// lets the tiered JIT inline callees over its size limit, and would otherwise call them unoptimised per block.
    /// </summary>
    private readonly record struct BlockVector(Vector256<double> X00, Vector256<double> X01, Vector256<double> X10, Vector256<double> X11)
    {
        private static readonly Vector256<double> Cv = Vector256.Create(C);
        private static readonly Vector256<double> MinusCv = Vector256.Create(-C);
        private static readonly Vector256<double> Max = Vector256.Create(255.0);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static BlockVector FromPixels(ReadOnlySpan<byte> pixels, int size, int o, int p)
        {
            int top = (2 * o * size) + (2 * p);
            (var x00, var x01) = EvenOdd(pixels.Slice(top, 8));
            (var x10, var x11) = EvenOdd(pixels.Slice(top + size, 8));
            return new BlockVector(x00, x01, x10, x11);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<double> Approximation()
        {
            var aLeft = (Cv * X10) + (Cv * X00);
            var aRight = (Cv * X11) + (Cv * X01);
            return (Cv * aRight) + (Cv * aLeft);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Details(out Vector256<double> da, out Vector256<double> ad, out Vector256<double> dd)
        {
            var aLeft = (Cv * X10) + (Cv * X00);
            var aRight = (Cv * X11) + (Cv * X01);
            var dLeft = (MinusCv * X10) + (Cv * X00);
            var dRight = (MinusCv * X11) + (Cv * X01);
            ad = (MinusCv * aRight) + (Cv * aLeft);
            da = (Cv * dRight) + (Cv * dLeft);
            dd = (MinusCv * dRight) + (Cv * dLeft);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static BlockVector Reconstruct(Vector256<double> aa, Vector256<double> da, Vector256<double> ad, Vector256<double> dd)
        {
            var aLeft = (Cv * aa) + (Cv * ad);
            var aRight = (Cv * aa) + (MinusCv * ad);
            var dLeft = (Cv * da) + (Cv * dd);
            var dRight = (Cv * da) + (MinusCv * dd);
            return new BlockVector((Cv * aLeft) + (Cv * dLeft), (Cv * aRight) + (Cv * dRight), (Cv * aLeft) + (MinusCv * dLeft), (Cv * aRight) + (MinusCv * dRight));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static BlockVector FromDoubles(double[] x, int n, int o, int p)
        {
            int top = (2 * o * n) + (2 * p);
            (var x00, var x01) = EvenOdd(Vector256.LoadUnsafe(ref x[0], (nuint)top), Vector256.LoadUnsafe(ref x[0], (nuint)(top + 4)));
            (var x10, var x11) = EvenOdd(Vector256.LoadUnsafe(ref x[0], (nuint)(top + n)), Vector256.LoadUnsafe(ref x[0], (nuint)(top + n + 4)));
            return new BlockVector(x00, x01, x10, x11);
        }

        /// <summary>Writes the four blocks back interleaved: row 2o gets x00,x01,x00,x01…, row 2o+1 x10,x11….</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store(double[] x, int n, int o, int p)
        {
            int top = (2 * o * n) + (2 * p);
            StoreInterleaved(X00, X01, x, top);
            StoreInterleaved(X10, X11, x, top + n);
        }

        /// <summary>
        /// The 2×2 blocks formed by eight consecutive values of two rows, given as (row, columns 0..3),
        /// (row, 4..7) for the top row and the same for the bottom row.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static BlockVector Pair(Vector256<double> topLow, Vector256<double> topHigh, Vector256<double> bottomLow, Vector256<double> bottomHigh)
        {
            (var x00, var x01) = EvenOdd(topLow, topHigh);
            (var x10, var x11) = EvenOdd(bottomLow, bottomHigh);
            return new BlockVector(x00, x01, x10, x11);
        }

        /// <summary>Inverse of the even/odd split: (e0 o0 e1 o1, e2 o2 e3 o3).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static (Vector256<double> Low, Vector256<double> High) Interleave(Vector256<double> even, Vector256<double> odd)
        {
            var lo = Avx.UnpackLow(even, odd);   // e0 o0 e2 o2
            var hi = Avx.UnpackHigh(even, odd);  // e1 o1 e3 o3
            return (Avx.Permute2x128(lo, hi, 0x20), Avx.Permute2x128(lo, hi, 0x31));
        }

        private static void StoreInterleaved(Vector256<double> even, Vector256<double> odd, double[] x, int at)
        {
            (var low, var high) = Interleave(even, odd);
            low.StoreUnsafe(ref x[0], (nuint)at);
            high.StoreUnsafe(ref x[0], (nuint)(at + 4));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static (Vector256<double> Even, Vector256<double> Odd) EvenOdd(Vector256<double> low, Vector256<double> high) =>
            (Avx2.Permute4x64(Avx.UnpackLow(low, high), 0xD8), Avx2.Permute4x64(Avx.UnpackHigh(low, high), 0xD8));

        // Eight pixels → (pixels 0,2,4,6 and 1,3,5,7) / 255, divided exactly as the scalar path divides.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static (Vector256<double> Even, Vector256<double> Odd) EvenOdd(ReadOnlySpan<byte> eight)
        {
            var bytes = Vector128.CreateScalar(MemoryMarshal.Read<ulong>(eight)).AsByte();
            Vector256<int> ints = Avx2.ConvertToVector256Int32(bytes);
            return EvenOdd(Avx.ConvertToVector256Double(ints.GetLower()) / Max, Avx.ConvertToVector256Double(ints.GetUpper()) / Max);
        }
    }

    /// <summary>One 2×2 block (x[row][column]) and pywt's Haar operations on it.</summary>
    private readonly record struct Block(double X00, double X01, double X10, double X11)
    {
        public static Block FromPixels(ReadOnlySpan<byte> pixels, int size, int o, int p)
        {
            int top = (2 * o * size) + (2 * p);
            double[] scaled = Scaled;
            return new Block(scaled[pixels[top]], scaled[pixels[top + 1]], scaled[pixels[top + size]], scaled[pixels[top + size + 1]]);
        }

        public double Approximation()
        {
            double aLeft = (C * X10) + (C * X00);
            double aRight = (C * X11) + (C * X01);
            return (C * aRight) + (C * aLeft);
        }

        public void Details(out double da, out double ad, out double dd)
        {
            double aLeft = (C * X10) + (C * X00);
            double aRight = (C * X11) + (C * X01);
            double dLeft = (-C * X10) + (C * X00);
            double dRight = (-C * X11) + (C * X01);
            ad = (-C * aRight) + (C * aLeft);
            da = (C * dRight) + (C * dLeft);
            dd = (-C * dRight) + (C * dLeft);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Block Reconstruct(double aa, double da, double ad, double dd)
        {
            double aLeft = (C * aa) + (C * ad);
            double aRight = (C * aa) + (-C * ad);
            double dLeft = (C * da) + (C * dd);
            double dRight = (C * da) + (-C * dd);
            return new Block((C * aLeft) + (C * dLeft), (C * aRight) + (C * dRight), (C * aLeft) + (-C * dLeft), (C * aRight) + (-C * dRight));
        }
    }

    private static bool IsPowerOfTwo(int v) => v > 0 && (v & (v - 1)) == 0;

    // pywt dwt2: axis 0 (columns) first, then axis 1; for Haar with an even length the convolution is
    // a[o] = (0 + c·x[2o+1]) + c·x[2o] and d[o] = (0 + (-c)·x[2o+1]) + c·x[2o]. Adding 0.0 first never
    // changes a value except the sign of zero, which no comparison sees.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Decompose(double[] x, int n, double[] aa, double[] da, double[] ad, double[] dd)
    {
        int half = n / 2;
        if (Avx2.IsSupported && half % 4 == 0)
        {
            for (int o = 0; o < half; o++)
            {
                for (int p = 0; p < half; p += 4)
                {
                    var b = BlockVector.FromDoubles(x, n, o, p);
                    b.Details(out var vda, out var vad, out var vdd);
                    nuint i = (nuint)((o * half) + p);
                    b.Approximation().StoreUnsafe(ref aa[0], i);
                    vda.StoreUnsafe(ref da[0], i);
                    vad.StoreUnsafe(ref ad[0], i);
                    vdd.StoreUnsafe(ref dd[0], i);
                }
            }

            return;
        }

        for (int o = 0; o < half; o++)
        {
            int top = 2 * o * n;
            int bottom = top + n;
            for (int p = 0; p < half; p++)
            {
                double x00 = x[top + (2 * p)];
                double x01 = x[top + (2 * p) + 1];
                double x10 = x[bottom + (2 * p)];
                double x11 = x[bottom + (2 * p) + 1];
                double aLeft = (C * x10) + (C * x00);
                double aRight = (C * x11) + (C * x01);
                double dLeft = (-C * x10) + (C * x00);
                double dRight = (-C * x11) + (C * x01);
                int i = (o * half) + p;
                aa[i] = (C * aRight) + (C * aLeft);
                ad[i] = (-C * aRight) + (C * aLeft);
                da[i] = (C * dRight) + (C * dLeft);
                dd[i] = (-C * dRight) + (C * dLeft);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ApproximationOnly(double[] x, int n, double[] aa)
    {
        int half = n / 2;
        if (Avx2.IsSupported && half % 4 == 0)
        {
            for (int o = 0; o < half; o++)
            {
                for (int p = 0; p < half; p += 4)
                {
                    BlockVector.FromDoubles(x, n, o, p).Approximation().StoreUnsafe(ref aa[0], (nuint)((o * half) + p));
                }
            }

            return;
        }

        for (int o = 0; o < half; o++)
        {
            int top = 2 * o * n;
            int bottom = top + n;
            for (int p = 0; p < half; p++)
            {
                double aLeft = (C * x[bottom + (2 * p)]) + (C * x[top + (2 * p)]);
                double aRight = (C * x[bottom + (2 * p) + 1]) + (C * x[top + (2 * p) + 1]);
                aa[(o * half) + p] = (C * aRight) + (C * aLeft);
            }
        }
    }

    // pywt idwt2: axis 1 first (A = idwt(aa, ad), D = idwt(da, dd)), then axis 0 (X = idwt(A, D)), with
    // y[2i] = c·a[i] + c·d[i] and y[2i+1] = c·a[i] + (-c)·d[i].
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Reconstruct(double[] aa, double[] da, double[] ad, double[] dd, int half, double[] x)
    {
        int n = half * 2;
        if (Avx2.IsSupported && half % 4 == 0)
        {
            for (int o = 0; o < half; o++)
            {
                for (int p = 0; p < half; p += 4)
                {
                    nuint i = (nuint)((o * half) + p);
                    BlockVector.Reconstruct(
                        Vector256.LoadUnsafe(ref aa[0], i),
                        Vector256.LoadUnsafe(ref da[0], i),
                        Vector256.LoadUnsafe(ref ad[0], i),
                        Vector256.LoadUnsafe(ref dd[0], i)).Store(x, n, o, p);
                }
            }

            return;
        }

        for (int o = 0; o < half; o++)
        {
            int top = 2 * o * n;
            int bottom = top + n;
            for (int p = 0; p < half; p++)
            {
                int i = (o * half) + p;
                double aLeft = (C * aa[i]) + (C * ad[i]);
                double aRight = (C * aa[i]) + (-C * ad[i]);
                double dLeft = (C * da[i]) + (C * dd[i]);
                double dRight = (C * da[i]) + (-C * dd[i]);
                x[top + (2 * p)] = (C * aLeft) + (C * dLeft);
                x[top + (2 * p) + 1] = (C * aRight) + (C * dRight);
                x[bottom + (2 * p)] = (C * aLeft) + (-C * dLeft);
                x[bottom + (2 * p) + 1] = (C * aRight) + (-C * dRight);
            }
        }
    }
}
