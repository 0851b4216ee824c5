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

    /// <summary>
    /// Returns the <paramref name="hashSize"/> × <paramref name="hashSize"/> low band of
    /// <c>wavedec2(waverec2(mean-removed wavedec2(px)), 'haar', level)[0]</c>, where <c>px = pixels / 255</c>.
    /// </summary>
    public static double[] MeanRemovedLowBand(ReadOnlySpan<byte> pixels, int size, int hashSize)
    {
        if (!IsPowerOfTwo(size) || !IsPowerOfTwo(hashSize) || hashSize > size)
        {
            throw new ArgumentException("Sizes must be powers of two with hashSize <= size.");
        }

        var px = new double[size * size];
        for (int i = 0; i < px.Length; i++)
        {
            px[i] = pixels[i] / 255.0;
        }

        // Full decomposition: keep each level's details (da, ad, dd) for the reconstruction.
        var details = new List<(double[] Da, double[] Ad, double[] Dd, int Half)>();
        double[] approx = px;
        int n = size;
        while (n > 1)
        {
            int half = n / 2;
            var aa = new double[half * half];
            var da = new double[half * half];
            var ad = new double[half * half];
            var dd = new double[half * half];
            Decompose(approx, n, aa, da, ad, dd);
            details.Add((da, ad, dd, half));
            approx = aa;
            n = half;
        }

        // coeffs[0] *= 0
        approx[0] *= 0;

        for (int level = details.Count - 1; level >= 0; level--)
        {
            (double[] da, double[] ad, double[] dd, int half) = details[level];
            var reconstructed = new double[4 * half * half];
            Reconstruct(approx, da, ad, dd, half, reconstructed);
            approx = reconstructed;
        }

        n = size;
        while (n > hashSize)
        {
            int half = n / 2;
            var aa = new double[half * half];
            ApproximationOnly(approx, n, aa);
            approx = aa;
            n = half;
        }

        return approx;
    }

    private static bool IsPowerOfTwo(int v) => v > 0 && (v & (v - 1)) == 0;

    // pywt dwt2: axis 0 (columns) first, then axis 1; for Haar with an even length the convolution is
    // a[o] = (0 + c·x[2o+1]) + c·x[2o] and d[o] = (0 + (-c)·x[2o+1]) + c·x[2o]. Adding 0.0 first never
    // changes a value except the sign of zero, which no comparison sees.
    private static void Decompose(double[] x, int n, double[] aa, double[] da, double[] ad, double[] dd)
    {
        int half = n / 2;
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

    private static void ApproximationOnly(double[] x, int n, double[] aa)
    {
        int half = n / 2;
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
    private static void Reconstruct(double[] aa, double[] da, double[] ad, double[] dd, int half, double[] x)
    {
        int n = half * 2;
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
