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
    private readonly record struct Trims(double Left, double Top, double Right, double Bottom);

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

    /// <summary>The score (0 for the same ink); at most <paramref name="limit"/> ends the search early.</summary>
    /// <param name="query">The query's ink, already turned into the stored design's orientation.</param>
    /// <param name="stored">The stored design's ink.</param>
    public static double Difference(byte[] query, byte[] stored, double limit)
    {
        var q = Reduce(query, default);
        var s = Reduce(stored, default);
        double best = Score(q, s);
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
                    double score = queryIsCropped ? Score(q, Reduce(stored, trims)) : Score(Reduce(query, trims), s);
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
    /// bottom), resampled (bilinear) to 64×64 and averaged down to 32×32.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float[] Reduce(byte[] ink, Trims trims)
    {
        const int fine = ArtworkSignature.InkSide;
        var reduced = new float[Side * Side];
        if (trims == default)
        {
            for (int y = 0; y < fine; y++)
            {
                for (int x = 0; x < fine; x++)
                {
                    reduced[((y / 2) * Side) + (x / 2)] += ink[(y * fine) + x] * 0.25f;
                }
            }

            return reduced;
        }

        Span<int> x0 = stackalloc int[fine];
        Span<float> fx = stackalloc float[fine];
        for (int x = 0; x < fine; x++)
        {
            double source = ((trims.Left + ((x + 0.5) / fine * (1 - trims.Left - trims.Right))) * fine) - 0.5;
            x0[x] = Math.Clamp((int)Math.Floor(source), 0, fine - 2);
            fx[x] = (float)Math.Clamp(source - x0[x], 0, 1);
        }

        for (int y = 0; y < fine; y++)
        {
            double source = ((trims.Top + ((y + 0.5) / fine * (1 - trims.Top - trims.Bottom))) * fine) - 0.5;
            int y0 = Math.Clamp((int)Math.Floor(source), 0, fine - 2);
            float fy = (float)Math.Clamp(source - y0, 0, 1);
            int upper = y0 * fine, lower = upper + fine;
            for (int x = 0; x < fine; x++)
            {
                int a = x0[x];
                float above = ink[upper + a] + (fx[x] * (ink[upper + a + 1] - ink[upper + a]));
                float below = ink[lower + a] + (fx[x] * (ink[lower + a + 1] - ink[lower + a]));
                reduced[((y / 2) * Side) + (x / 2)] += (above + (fy * (below - above))) * 0.25f;
            }
        }

        return reduced;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Score(float[] q, float[] s)
    {
        const int cells = Side * Side, lanes = 8;
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
        var fitted = new float[cells];
        var vGain = Vector256.Create((float)gain);
        var vOffset = Vector256.Create((float)offset);
        for (int i = 0; i < cells; i += lanes)
        {
            ((Vector256.LoadUnsafe(ref s[i]) * vGain) + vOffset).StoreUnsafe(ref fitted[i]);
        }

        // Each ink's lowest and highest value around each cell: a value inside the other ink's envelope has a
        // counterpart within a cell. Then per cell the larger of the two distances and the larger of the two inks.
        Span<float> lowS = stackalloc float[cells], highS = stackalloc float[cells], lowQ = stackalloc float[cells], highQ = stackalloc float[cells];
        Envelope(fitted, lowS, highS);
        Envelope(q, lowQ, highQ);
        Span<float> difference = stackalloc float[cells], ink = stackalloc float[cells];
        for (int i = 0; i < cells; i += lanes)
        {
            var vq = Vector256.LoadUnsafe(ref q[i]);
            var vs = Vector256.LoadUnsafe(ref fitted[i]);
            var toStored = Vector256.Max(vq - Vector256.Create(highS[i..]), Vector256.Create(lowS[i..]) - vq);
            var toQuery = Vector256.Max(vs - Vector256.Create(highQ[i..]), Vector256.Create(lowQ[i..]) - vs);
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
        }

        return worst;
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
