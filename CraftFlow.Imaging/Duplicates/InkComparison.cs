using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CraftFlow.Imaging.Duplicates;

/// <summary>
/// How far two designs' inks differ where they differ most, the judgement's last and finest test. Both inks (64×64
/// in their trimmed frames) are compared at 32×32: the stored ink is fitted to the query's by a gain and an offset
/// (a brightened copy changes ink by an affine map), a cell's difference is the smallest against the other ink's
/// cell or its eight neighbours, both ways (a line drawn a cell further over is the same line), and the score is the
/// largest difference in any 6×6 window, as a percentage of the ink there. Two warning signs with other symbols, or
/// speech bubbles of other shapes, agree almost everywhere and differ a lot in one place; a duplicate differs a little
/// everywhere or nowhere.
/// </summary>
/// <remarks>
/// A crop moves the frame: when the frames as they are do not agree, each edge of one frame is pulled in by up to
/// <see cref="MaximumTrim"/> of its side (either design may be the cropped one), one edge at a time, keeping a move
/// that lowers the score. The numbers were chosen on openclipart-png with bench/duplicates (README).
/// </remarks>
internal static class InkComparison
{
    internal readonly record struct Trims(double Left, double Top, double Right, double Bottom);

    private const int Side = 32;
    private const int Window = 6;

    // Per cell, the ink a window is judged against is at least this: faint designs do not turn noise into a difference.
    private const double InkFloor = 64;

    private const double TrimStep = 1.0 / ArtworkSignature.InkSide;
    private const int TrimSteps = 6;
    private const double MaximumTrim = TrimStep * TrimSteps;

    // Frames this far apart as they are are not searched for an alignment: the search is for crops, not for
    // different artwork that some alignment brings closer.
    private const double SearchCeiling = 3;

    /// <summary>
    /// The score (0 for the same ink); at most <paramref name="limit"/> ends the search early. Above
    /// <paramref name="limit"/> it may be less than the score, never at or below it.
    /// </summary>
    /// <param name="query">The query's ink, already turned into the stored design's orientation.</param>
    /// <param name="stored">The stored design's ink.</param>
    public static double Difference(PreparedInk query, PreparedInk stored, double limit)
    {
        var q = query.Reduced(default);
        var s = stored.Reduced(default);
        double best = Score(q, s, Math.BitIncrement(limit * SearchCeiling));
        if (best <= limit || best > limit * SearchCeiling)
        {
            return best;
        }

        // Each edge in turn: first in steps of two cells, then one cell either side of the best, keeping what helps.
        Span<double> trim = stackalloc double[4];
        foreach (bool queryIsCropped in (ReadOnlySpan<bool>)[true, false])
        {
            trim.Clear();
            for (int edge = 0; edge < 4; edge++)
            {
                int keptStep = 0;
                foreach (int step in (ReadOnlySpan<int>)[2, 4, 6, -1, 1])
                {
                    // Even steps are trims in cells; -1 and 1 refine the best of them.
                    int tried = step > 0 && step % 2 == 0 ? step : keptStep + step;
                    if (tried <= 0 || tried > TrimSteps || (step is -1 or 1 && keptStep == 0))
                    {
                        continue;
                    }

                    trim[edge] = tried * TrimStep;
                    var trims = new Trims(trim[0], trim[1], trim[2], trim[3]);
                    double score = queryIsCropped ? Score(q, stored.Reduced(trims), best) : Score(query.Reduced(trims), s, best);
                    if (score < best)
                    {
                        (best, keptStep) = (score, tried);
                        if (best <= limit)
                        {
                            return best;
                        }
                    }
                }

                trim[edge] = keptStep * TrimStep;
            }
        }

        return best;
    }

    /// <summary>
    /// The part of a 64×64 ink inside its frame less the trims (shares of the side at the left, top, right and
    /// bottom), resampled (bilinear) to 64×64 and averaged down to 32×32, with its envelope.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ReducedInk Reduce(byte[] ink, Trims trims)
    {
        const int fine = ArtworkSignature.InkSide, half = fine / 2, lanes = 8;

        // Across each source row first, at the even and at the odd output columns apart (even ones in the first half
        // of the row): the 2×2 average then adds vectors instead of neighbours. Untrimmed columns are the ink itself.
        Span<int> x0 = stackalloc int[fine];
        Span<float> fx = stackalloc float[fine];
        Span<int> y0 = stackalloc int[fine];
        Span<float> fy = stackalloc float[fine];
        Weights(trims.Left, trims.Right, x0, fx);
        Weights(trims.Top, trims.Bottom, y0, fy);
        Span<float> across = stackalloc float[fine * fine];
        bool untrimmedAcross = trims.Left == 0 && trims.Right == 0;
        for (int row = y0[0]; row <= y0[fine - 1] + 1; row++)
        {
            var source = ink.AsSpan(row * fine, fine);
            var target = across.Slice(row * fine, fine);
            for (int x = 0; x < fine; x++)
            {
                int a = x0[x];
                target[((x & 1) * half) + (x >> 1)] = untrimmedAcross ? source[x] : source[a] + (fx[x] * (source[a + 1] - source[a]));
            }
        }

        // Then down, and the 2×2 average in the order the cells' four values arrive (rows, then columns): exact.
        var values = new float[Side * Side];
        var quarter = Vector256.Create(0.25f);
        for (int y = 0; y < fine; y++)
        {
            var weight = Vector256.Create(fy[y]);
            var above = across.Slice(y0[y] * fine, fine);
            var below = across.Slice((y0[y] + 1) * fine, fine);
            var cells = values.AsSpan((y / 2) * Side, Side);
            for (int c = 0; c < half; c += lanes)
            {
                var evenAbove = Vector256.Create(above[c..]);
                var oddAbove = Vector256.Create(above[(half + c)..]);
                var even = evenAbove + (weight * (Vector256.Create(below[c..]) - evenAbove));
                var odd = oddAbove + (weight * (Vector256.Create(below[(half + c)..]) - oddAbove));
                var sum = (y & 1) == 0 ? even * quarter : Vector256.Create(cells[c..]) + (even * quarter);
                (sum + (odd * quarter)).CopyTo(cells[c..]);
            }
        }

        return new ReducedInk(values);
    }

    // Where each of the 64 output samples along one axis comes from in the frame less the two trims: the sample
    // below it and the weight of the one above.
    private static void Weights(double start, double end, Span<int> lower, Span<float> weight)
    {
        const int fine = ArtworkSignature.InkSide;
        for (int i = 0; i < fine; i++)
        {
            double source = ((start + ((i + 0.5) / fine * (1 - start - end))) * fine) - 0.5;
            lower[i] = Math.Clamp((int)Math.Floor(source), 0, fine - 2);
            weight[i] = (float)Math.Clamp(source - lower[i], 0, 1);
        }
    }

    /// <summary>
    /// The largest difference in any window; once the windows so far reach <paramref name="enough"/> the rest are not
    /// looked at (a caller that only asks whether the score is below it knows the answer), and the value returned is
    /// then at least <paramref name="enough"/> and at most the score.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Score(ReducedInk query, ReducedInk stored, double enough)
    {
        const int cells = Side * Side, lanes = 8;
        float[] q = query.Values, s = stored.Values;
        var sumQ = Vector256<float>.Zero;
        var sumS = Vector256<float>.Zero;
        var sumQS = Vector256<float>.Zero;
        var sumSS = Vector256<float>.Zero;
        for (int i = 0; i < cells; i += lanes)
        {
            var vq = Vector256.LoadUnsafe(ref q[i]);
            var vs = Vector256.LoadUnsafe(ref s[i]);
            sumQ += vq;
            sumS += vs;
            sumQS += vq * vs;
            sumSS += vs * vs;
        }

        double n = cells, totalQ = Vector256.Sum(sumQ), totalS = Vector256.Sum(sumS);
        double varianceS = Vector256.Sum(sumSS) - (totalS * totalS / n);
        double gain = varianceS < 1e-6 ? 1 : Math.Clamp((Vector256.Sum(sumQS) - (totalQ * totalS / n)) / varianceS, 0.5, 2);
        double offset = (totalQ - (gain * totalS)) / n;

        // Each ink's lowest and highest value around each cell: a value inside the other ink's envelope has a
        // counterpart within a cell. Then per cell the larger of the two distances and the larger of the two inks.
        // The fit is increasing (gain > 0), so the fitted ink's envelope is the fitted envelope, to the bit.
        var vGain = Vector256.Create((float)gain);
        var vOffset = Vector256.Create((float)offset);
        Span<float> difference = stackalloc float[cells], ink = stackalloc float[cells];
        for (int i = 0; i < cells; i += lanes)
        {
            var vq = Vector256.LoadUnsafe(ref q[i]);
            var vs = (Vector256.LoadUnsafe(ref s[i]) * vGain) + vOffset;
            var lowS = (Vector256.LoadUnsafe(ref stored.Low[i]) * vGain) + vOffset;
            var highS = (Vector256.LoadUnsafe(ref stored.High[i]) * vGain) + vOffset;
            var toStored = Vector256.Max(vq - highS, lowS - vq);
            var toQuery = Vector256.Max(vs - Vector256.LoadUnsafe(ref query.High[i]), Vector256.LoadUnsafe(ref query.Low[i]) - vs);
            Vector256.Max(Vector256.Max(toStored, toQuery), Vector256<float>.Zero).CopyTo(difference[i..]);
            Vector256.Max(vq, vs).CopyTo(ink[i..]);
        }

        // Sums over 6 rows (vectors across the row), then over 6 columns, for every window position.
        const int positions = Side - Window + 1;
        Span<float> columnDifference = stackalloc float[Side], columnInk = stackalloc float[Side];
        double worst = 0;
        for (int y = 0; y < positions; y++)
        {
            for (int x = 0; x < Side; x += lanes)
            {
                var d = Vector256<float>.Zero;
                var k = Vector256<float>.Zero;
                for (int r = y; r < y + Window; r++)
                {
                    d += Vector256.Create(difference[((r * Side) + x)..]);
                    k += Vector256.Create(ink[((r * Side) + x)..]);
                }

                d.CopyTo(columnDifference[x..]);
                k.CopyTo(columnInk[x..]);
            }

            float windowDifference = 0, windowInk = 0;
            for (int x = 0; x < Side; x++)
            {
                windowDifference += columnDifference[x];
                windowInk += columnInk[x];
                if (x >= Window)
                {
                    windowDifference -= columnDifference[x - Window];
                    windowInk -= columnInk[x - Window];
                }

                if (x >= Window - 1)
                {
                    worst = Math.Max(worst, 100 * windowDifference / (windowInk + (InkFloor * Window * Window)));
                }
            }

            if (worst >= enough)
            {
                return worst;
            }
        }

        return worst;
    }

    /// <summary>An ink averaged down to 32×32, with its 3×3 envelope (<see cref="Envelope"/>).</summary>
    internal sealed class ReducedInk
    {
        public ReducedInk(float[] values)
        {
            Values = values;
            Envelope(values, Low, High);
        }

        public float[] Values { get; }

        public float[] Low { get; } = new float[Side * Side];

        public float[] High { get; } = new float[Side * Side];
    }

    /// <summary>
    /// One design's 64×64 ink, in the orientation it is compared in, with its reductions: always the whole frame's,
    /// and up to <paramref name="trimmedCapacity"/> trimmed ones, for a query that meets the same trims against many
    /// candidates. One thread at a time.
    /// </summary>
    internal sealed class PreparedInk(byte[] ink, int trimmedCapacity)
    {
        private readonly Dictionary<Trims, ReducedInk> _trimmed = [];
        private ReducedInk? _whole;

        internal ReducedInk Reduced(Trims trims)
        {
            if (trims == default)
            {
                return _whole ??= Reduce(ink, trims);
            }

            if (_trimmed.TryGetValue(trims, out var reduced))
            {
                return reduced;
            }

            reduced = Reduce(ink, trims);
            if (_trimmed.Count < trimmedCapacity)
            {
                _trimmed.Add(trims, reduced);
            }

            return reduced;
        }
    }

    /// <summary>The 3×3 minimum and maximum around each cell (fewer at the borders), along the rows, then down the columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Envelope(ReadOnlySpan<float> values, Span<float> low, Span<float> high)
    {
        const int lanes = 8;
        Span<float> padded = stackalloc float[Side + 2];
        Span<float> rowLow = stackalloc float[Side * Side], rowHigh = stackalloc float[Side * Side];
        for (int y = 0; y < Side; y++)
        {
            // A border cell counts itself in place of the neighbour it lacks.
            var row = values.Slice(y * Side, Side);
            row.CopyTo(padded[1..]);
            padded[0] = row[0];
            padded[Side + 1] = row[Side - 1];
            for (int x = 0; x < Side; x += lanes)
            {
                var left = Vector256.Create(padded[x..]);
                var centre = Vector256.Create(padded[(x + 1)..]);
                var right = Vector256.Create(padded[(x + 2)..]);
                Vector256.Min(Vector256.Min(left, centre), right).CopyTo(rowLow[((y * Side) + x)..]);
                Vector256.Max(Vector256.Max(left, centre), right).CopyTo(rowHigh[((y * Side) + x)..]);
            }
        }

        for (int y = 0; y < Side; y++)
        {
            int above = Math.Max(0, y - 1) * Side, here = y * Side, below = Math.Min(Side - 1, y + 1) * Side;
            for (int x = 0; x < Side; x += lanes)
            {
                var lowVector = Vector256.Min(Vector256.Create(rowLow[(here + x)..]), Vector256.Min(Vector256.Create(rowLow[(above + x)..]), Vector256.Create(rowLow[(below + x)..])));
                var highVector = Vector256.Max(Vector256.Create(rowHigh[(here + x)..]), Vector256.Max(Vector256.Create(rowHigh[(above + x)..]), Vector256.Create(rowHigh[(below + x)..])));
                lowVector.CopyTo(low[(here + x)..]);
                highVector.CopyTo(high[(here + x)..]);
            }
        }
    }

}
