using System.Runtime.Intrinsics;
using CraftFlow.Imaging.Hashing;

namespace CraftFlow.Imaging.Duplicates;

/// <summary>
/// A 16×16 layout as the unit vector of its orthonormal DCT coefficients without the mean term. An orthonormal
/// transform keeps inner products (Parseval) and dropping the mean centres the layout, so the Pearson correlation
/// <see cref="DuplicateJudge.LayoutCorrelation"/> computes is the dot product of two such vectors. The index keeps the
/// <see cref="Length"/> lowest frequencies, where a layout's energy is, and the norm of the rest: by Cauchy–Schwarz
/// <c>ρ ≤ Σ qₖ·sₖ + rest(q)·rest(s)</c>, a bound that rejects a candidate only when its correlation cannot reach the
/// judgement's, so the search stays exact.
/// </summary>
internal static class LayoutSpectrum
{
    /// <summary>Coefficients kept per layout, the first of the zig-zag order after the mean: two 256-bit vectors.</summary>
    public const int Length = 16;

    private const int Side = ArtworkSignature.LayoutSide;

    // Judge and bound are computed in different arithmetic (integers there, floats here): the bound is loosened by
    // far more than the float error of a sum of 256 products, so it never rejects a correlation the judge would pass.
    private const float Slack = 1e-3f;

    // An integer layout that is not uniform has a centred energy of at least 255/256; the judge calls those flat.
    private const double FlatEnergy = 0.5;

    private static readonly (int V, int U)[] Kept = [.. ZigZag().Skip(1).Take(Length)];

    // The kept coefficients lie within the first KeptSide frequencies each way; only those are transformed.
    private static readonly int KeptSide = Kept.Max(k => Math.Max(k.V, k.U)) + 1;

    private static readonly double[] OrthonormalScale = [.. Enumerable.Range(0, KeptSide).Select(Orthonormal)];

    /// <summary>
    /// Writes the kept coefficients of <paramref name="layout"/> turned over by each of <paramref name="orientations"/>
    /// (<see cref="Length"/> per orientation) and returns the norm of the rest, the same in every orientation (a turn
    /// only moves and negates coefficients, and the kept set is closed under transposition). NaN for a flat layout,
    /// which the bound must not judge: every comparison with NaN is false, so it is never rejected.
    /// </summary>
    public static float Of(ReadOnlySpan<byte> layout, ReadOnlySpan<Orientation> orientations, Span<float> kept)
    {
        double energy = CentredEnergy(layout);
        if (energy < FlatEnergy)
        {
            kept[..(orientations.Length * Length)].Fill(float.NaN);
            return float.NaN;
        }

        Span<double> coefficients = stackalloc double[KeptSide * KeptSide];
        Transform(layout, coefficients);
        double scale = 1 / Math.Sqrt(energy), restEnergy = energy;
        foreach (var (v, u) in Kept)
        {
            restEnergy -= coefficients[(v * KeptSide) + u] * coefficients[(v * KeptSide) + u];
        }

        for (int o = 0; o < orientations.Length; o++)
        {
            for (int k = 0; k < Length; k++)
            {
                var (v, u) = Kept[k];
                kept[(o * Length) + k] = (float)(orientations[o].Coefficient(coefficients, KeptSide, v, u) * scale);
            }
        }

        return (float)(Math.Sqrt(Math.Max(0, restEnergy)) * scale);
    }

    /// <summary>The upper bound of the correlation from two kept vectors and their rests.</summary>
    public static float Bound(ReadOnlySpan<float> query, float queryRest, ReadOnlySpan<float> stored, float storedRest)
    {
        var products = (Vector256.Create(query) * Vector256.Create(stored))
            + (Vector256.Create(query[Vector256<float>.Count..]) * Vector256.Create(stored[Vector256<float>.Count..]));
        return Vector256.Sum(products) + (queryRest * storedRest) + Slack;
    }

    // The energy of every coefficient but the mean, without the transform (Parseval: the orthonormal DCT keeps the
    // sum of squares): Σ(x − mean)², from integer sums.
    private static double CentredEnergy(ReadOnlySpan<byte> layout)
    {
        long sum = 0, squares = 0;
        foreach (byte x in layout)
        {
            sum += x;
            squares += x * x;
        }

        return ((layout.Length * squares) - (sum * sum)) / (double)layout.Length;
    }

    // Dct's coefficients are scipy's unnormalised ones (4·Σ x·cos·cos); the orthonormal basis scales frequency k by
    // √(1/N) for k = 0 and √(2/N) otherwise.
    private static void Transform(ReadOnlySpan<byte> layout, Span<double> result)
    {
        Dct.LowFrequencies(layout, Side, KeptSide, result);
        for (int v = 0; v < KeptSide; v++)
        {
            for (int u = 0; u < KeptSide; u++)
            {
                result[(v * KeptSide) + u] *= OrthonormalScale[v] * OrthonormalScale[u] / 4;
            }
        }
    }

    private static double Orthonormal(int frequency) => Math.Sqrt((frequency == 0 ? 1.0 : 2.0) / Side);

    // Diagonal by diagonal (v + u = d), each coefficient followed by its transpose, so a prefix ending on a whole pair
    // (as Length does) is closed under transposition.
    private static IEnumerable<(int V, int U)> ZigZag()
    {
        for (int d = 0; d < 2 * Side - 1; d++)
        {
            for (int v = Math.Max(0, d - Side + 1); 2 * v <= d; v++)
            {
                yield return (v, d - v);
                if (2 * v != d)
                {
                    yield return (d - v, v);
                }
            }
        }
    }
}
