using System.Numerics;

namespace CraftFlow.Imaging.Duplicates;

/// <summary>A stored design's relation to the query, with the evidence behind it.</summary>
/// <param name="Relation">Duplicate, mirrored or colour variant (exact copies are found by their bytes).</param>
/// <param name="Orientation">How the query is turned over relative to the stored design.</param>
/// <param name="Distance">Bits between the outline hashes in that orientation (0–64): the distance reported.</param>
/// <param name="LayoutCorrelation">Correlation of the 16×16 layouts (−1–1).</param>
/// <param name="InkDifference">Where the inks differ most, percent of the ink there (<see cref="InkComparison"/>).</param>
/// <param name="ColourDistance">Mean CIELAB difference of the colour grids.</param>
public readonly record struct ArtworkMatch(
    DesignRelation Relation, Orientation Orientation, int Distance, double LayoutCorrelation, double InkDifference, double ColourDistance);

/// <summary>
/// The product's duplicate judgement, the one rule the Worker and the API both apply: is the stored design the same
/// artwork as the query (in some orientation), and in the same colours?
/// </summary>
public static class DuplicateJudge
{
    // Whether two designs can be related at all: ArtworkIndex's scan and the API's SQL apply the same test to the keys.
    private static bool IsCandidate(ulong queryKey, ulong storedKey, DuplicateRules rules)
        => BitOperations.PopCount(queryKey ^ storedKey) <= rules.KeyDistance;

    /// <summary>The relation of <paramref name="stored"/> to <paramref name="query"/>, or null when they are different designs.</summary>
    public static ArtworkMatch? Judge(ArtworkSignature query, ArtworkSignature stored, DuplicateRules? rules = null)
        => Judge(new ArtworkQuery(query), stored, rules);

    /// <inheritdoc cref="Judge(ArtworkSignature, ArtworkSignature, DuplicateRules?)"/>
    public static ArtworkMatch? Judge(ArtworkQuery query, ArtworkSignature stored, DuplicateRules? rules = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(stored);
        rules ??= DuplicateRules.Default;
        var signature = query.Signature;
        if (signature.IsBlank || stored.IsBlank || !IsCandidate(signature.Key, stored.Key, rules))
        {
            return null;
        }

        ArtworkMatch? best = null;
        InkComparison.PreparedInk? storedInk = null;
        ulong target = stored.Outline(Orientation.Identity);
        foreach (var orientation in Orientation.Judged)
        {
            int distance = BitOperations.PopCount(signature.Outline(orientation) ^ target);
            if (distance > rules.OutlineDistance || !AspectsAgree(OrientedAspect(signature, orientation), stored.Aspect, rules))
            {
                continue;
            }

            double correlation = LayoutCorrelation(signature, stored, orientation);
            if (correlation < rules.RequiredCorrelation(distance))
            {
                continue;
            }

            storedInk ??= new InkComparison.PreparedInk(stored.Ink(), trimmedCapacity: 0);
            double difference = InkComparison.Difference(query.Ink(orientation), storedInk, rules.InkDifference);

            // A symmetric design matches in several orientations: the one where the inks agree best wins, the identity
            // on a tie (a duplicate, not a mirror image).
            if (difference <= rules.InkDifference && (best is null || difference < best.Value.InkDifference))
            {
                double colours = ColourDistance(signature, stored, orientation);
                var relation = colours > rules.ColourDistance ? DesignRelation.ColourVariant
                    : orientation.Mirrors ? DesignRelation.Mirrored : DesignRelation.Duplicate;
                best = new ArtworkMatch(relation, orientation, distance, correlation, difference, colours);
            }
        }

        return best;
    }

    /// <summary>The query's aspect ratio (width / height) once turned over by <paramref name="orientation"/>.</summary>
    internal static double OrientedAspect(ArtworkSignature query, Orientation orientation)
        => orientation.Transposes ? 1 / query.Aspect : query.Aspect;

    internal static bool AspectsAgree(double orientedQueryAspect, double storedAspect, DuplicateRules rules)
    {
        double ratio = orientedQueryAspect / storedAspect;
        return ratio <= rules.AspectRatio && ratio >= 1 / rules.AspectRatio;
    }

    /// <summary>Pearson correlation of the stored layout with the query's turned over by <paramref name="orientation"/>.</summary>
    public static double LayoutCorrelation(ArtworkSignature query, ArtworkSignature stored, Orientation orientation)
    {
        const int side = ArtworkSignature.LayoutSide;
        long sumQ = 0, sumS = 0, sumQQ = 0, sumSS = 0, sumQS = 0;
        for (int y = 0; y < side; y++)
        {
            for (int x = 0; x < side; x++)
            {
                var (sx, sy) = orientation.Source(x, y, side);
                int q = query.Layout[(sy * side) + sx];
                int s = stored.Layout[(y * side) + x];
                sumQ += q;
                sumS += s;
                sumQQ += q * q;
                sumSS += s * s;
                sumQS += q * s;
            }
        }

        double n = side * side;
        double covariance = sumQS - (sumQ * (double)sumS / n);
        double varianceQ = sumQQ - (sumQ * (double)sumQ / n), varianceS = sumSS - (sumS * (double)sumS / n);

        // A uniform layout (a filled rectangle) correlates with nothing; two of them are the same layout.
        bool flatQ = varianceQ <= 1e-9, flatS = varianceS <= 1e-9;
        return flatQ || flatS ? (flatQ && flatS ? 1 : 0) : covariance / Math.Sqrt(varianceQ * varianceS);
    }

    /// <summary>
    /// The mean colour difference over the cells both designs have ink in, weighted by that ink: chroma in full and
    /// lightness at half weight, since a brightened copy is still the same design while a recolour moves the hue.
    /// </summary>
    public static double ColourDistance(ArtworkSignature query, ArtworkSignature stored, Orientation orientation)
    {
        const int side = ArtworkSignature.ColourSide;
        double total = 0, weights = 0;
        for (int y = 0; y < side; y++)
        {
            for (int x = 0; x < side; x++)
            {
                var (sx, sy) = orientation.Source(x, y, side);
                int q = ((sy * side) + sx) * 4, s = ((y * side) + x) * 4;
                double weight = Math.Min(query.Colours[q + 3], stored.Colours[s + 3]);
                if (weight <= 0)
                {
                    continue;
                }

                double dl = (query.Colours[q] - stored.Colours[s]) / 2.55;
                double da = query.Colours[q + 1] - stored.Colours[s + 1];
                double db = query.Colours[q + 2] - stored.Colours[s + 2];
                total += weight * (Math.Sqrt((da * da) + (db * db)) + (Math.Abs(dl) / 2));
                weights += weight;
            }
        }

        return weights > 0 ? total / weights : 0;
    }
}
