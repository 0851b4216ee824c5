using System.Runtime.CompilerServices;

namespace CraftFlow.Imaging.Hashing;

/// <summary>
/// The low-frequency corner of scipy's unnormalised 2-D DCT-II (<c>dct(dct(P, axis=0), axis=1)</c>),
/// computed directly as <c>C · P · Cᵀ</c> for the kept rows only.
/// </summary>
public static class Dct
{
    private static readonly double[] Cosines16 = CosineTable(16, 16);
    private static readonly double[] Cosines32 = CosineTable(32, 8);
    private static readonly double[] Cosines64 = CosineTable(64, 16);

    /// <summary>
    /// Writes the top-left <paramref name="keep"/> × <paramref name="keep"/> coefficients of the DCT of the
    /// <paramref name="size"/> × <paramref name="size"/> block into <paramref name="result"/>, row u = vertical frequency.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LowFrequencies(ReadOnlySpan<byte> pixels, int size, int keep, Span<double> result)
    {
        if (pixels.Length < size * size || result.Length < keep * keep || keep > size)
        {
            throw new ArgumentException("Buffer sizes do not match the DCT size.");
        }

        double[] cos = size == 16 ? Cosines16 : size == 32 && keep <= 8 ? Cosines32 : size == 64 && keep <= 16 ? Cosines64 : CosineTable(size, keep);

        // Vertical transform of every column, kept rows only: T[u][n] = Σ_m C[u][m] · P[m][n].
        Span<double> columnPass = keep * size <= 1024 ? stackalloc double[keep * size] : new double[keep * size];
        columnPass.Clear();
        for (int u = 0; u < keep; u++)
        {
            ReadOnlySpan<double> cu = cos.AsSpan(u * size, size);
            Span<double> t = columnPass.Slice(u * size, size);
            for (int m = 0; m < size; m++)
            {
                double c = cu[m];
                ReadOnlySpan<byte> row = pixels.Slice(m * size, size);
                for (int n = 0; n < size; n++)
                {
                    t[n] += c * row[n];
                }
            }
        }

        // Horizontal transform of the kept rows: D[u][v] = Σ_n T[u][n] · C[v][n].
        for (int u = 0; u < keep; u++)
        {
            ReadOnlySpan<double> t = columnPass.Slice(u * size, size);
            for (int v = 0; v < keep; v++)
            {
                ReadOnlySpan<double> cv = cos.AsSpan(v * size, size);
                double sum = 0.0;
                for (int n = 0; n < size; n++)
                {
                    sum += t[n] * cv[n];
                }

                result[(u * keep) + v] = sum;
            }
        }
    }

    /// <summary>
    /// scipy's FFT-based DCT returns mathematically zero coefficients of symmetric inputs as exact 0.0, where
    /// a direct cosine sum leaves ±1e-13 noise that would decide tied bits. Snap that noise to zero.
    /// </summary>
    public static void SnapNearZero(Span<double> coefficients)
    {
        double max = 0.0;
        foreach (double c in coefficients)
        {
            max = Math.Max(max, Math.Abs(c));
        }

        double threshold = 1e-9 * Math.Max(1.0, max);
        for (int i = 0; i < coefficients.Length; i++)
        {
            if (Math.Abs(coefficients[i]) < threshold)
            {
                coefficients[i] = 0.0;
            }
        }
    }

    private static double[] CosineTable(int size, int rows)
    {
        var table = new double[rows * size];
        for (int k = 0; k < rows; k++)
        {
            for (int n = 0; n < size; n++)
            {
                table[(k * size) + n] = 2.0 * Math.Cos(Math.PI * k * ((2 * n) + 1) / (2.0 * size));
            }
        }

        return table;
    }
}
