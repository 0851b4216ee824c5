using System.Globalization;
using System.Numerics;

namespace CraftFlow.DuplicateEval;

/// <summary>One system's verdict on one file: its relation to an earlier file, or none; <see cref="Unprocessed"/> when it never got one.</summary>
public sealed record Judgement(string? Relation, string? RelatedFile, bool Unprocessed = false)
{
    public static readonly Judgement None = new(null, null);

    public bool Flagged => Relations.IsFlagged(Relation);
}

/// <summary>How one system did on one variant kind.</summary>
public sealed record KindScore(string Kind, int Files, int Found, int ExpectedRelation, int ToBaseItself, int WrongTarget, int Unprocessed, IReadOnlyList<string> Misses)
{
    public double Recall => Files == 0 ? 0 : (double)Found / Files;
}

public sealed record SystemScore(
    string Name,
    IReadOnlyList<KindScore> Kinds,
    int DistinctDesigns,
    IReadOnlyList<(string File, string RelatedFile)> FalseDuplicates,
    IReadOnlyList<(string File, string RelatedFile)> DistinctColourVariantReports,
    int ColourVariants,
    int ColourVariantsReported,
    int ColourVariantsFlagged)
{
    public int Found => Kinds.Sum(k => k.Found);

    public int Variants => Kinds.Sum(k => k.Files);

    public double FalseDuplicateRate => DistinctDesigns == 0 ? 0 : (double)FalseDuplicates.Count / DistinctDesigns;

    public double ColourVariantRate => ColourVariants == 0 ? 0 : (double)ColourVariantsReported / ColourVariants;
}

/// <summary>
/// Scores CraftFlow's own verdicts and, from the four imagehash hashes the API returned for the same designs, the two
/// baselines. A variant counts as found when it is flagged (exact, duplicate or mirrored) and related to its base or
/// to another variant of the same base (in a shuffled upload a variant may well be judged against its sibling
/// first; the design is the same); "to base itself" counts the strict case. A colour variant counts when it is
/// reported as a colour variant of that group. Any distinct design (base or distractor) flagged is a false duplicate.
/// </summary>
public static class Evaluation
{
    public const string CraftFlow = "CraftFlow";
    public const string ImagehashThreshold = "imagehash threshold";
    public const string ExactHashEquality = "exact-hash equality";

    /// <summary>The imagehash baseline: a near-duplicate when the pHash or the dHash differs in at most this many bits.</summary>
    public const int ImagehashThresholdBits = 10;

    private const int MissesListed = 3;

    public static IReadOnlyList<SystemScore> Score(DuplicateSet set, RunOutcome outcome)
    {
        var byFile = outcome.Designs
            .GroupBy(d => d.OriginalFileName, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var fileById = outcome.Designs.ToDictionary(d => d.Id, d => d.OriginalFileName);
        var uploadOrder = set.Manifest.Files.Select(f => f.File).ToArray();
        var hashes = uploadOrder.Select(f => byFile.TryGetValue(f, out var d) ? Parse(d.Hashes) : null).ToArray();

        var craftFlow = uploadOrder.ToDictionary(f => f, f => CraftFlowJudgement(byFile.GetValueOrDefault(f), fileById), StringComparer.Ordinal);
        var threshold = Baseline(uploadOrder, hashes, ThresholdMatch);
        var exact = Baseline(uploadOrder, hashes, ExactMatch);
        return [ScoreSystem(CraftFlow, set, craftFlow), ScoreSystem(ImagehashThreshold, set, threshold), ScoreSystem(ExactHashEquality, set, exact)];
    }

    private static Judgement CraftFlowJudgement(DesignRecord? design, Dictionary<Guid, string> fileById)
    {
        if (design is null or { Status: "failed" })
        {
            return new Judgement(null, null, Unprocessed: true);
        }

        var related = design.EffectiveRelatedDesignId is { } id ? fileById.GetValueOrDefault(id) : null;
        return new Judgement(design.EffectiveRelation, related);
    }

    private sealed record Hashes(ulong Phash, ulong Ahash, ulong Dhash, ulong Whash);

    private static Hashes? Parse(DesignHashes? hashes) => hashes is null
        ? null
        : new Hashes(Hex(hashes.Phash), Hex(hashes.Ahash), Hex(hashes.Dhash), Hex(hashes.Whash));

    private static ulong Hex(string value) => ulong.Parse(value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static int Distance(ulong a, ulong b) => BitOperations.PopCount(a ^ b);

    /// <summary>
    /// Judges each design against every design uploaded before it, as a system that stores the hashes and queries
    /// them on upload would; <paramref name="match"/> picks the earlier design it relates to (its index) or -1.
    /// </summary>
    private static Dictionary<string, Judgement> Baseline(string[] files, Hashes?[] hashes, Func<Hashes, Hashes?[], int, int> match)
    {
        var judgements = new Dictionary<string, Judgement>(StringComparer.Ordinal);
        for (int i = 0; i < files.Length; i++)
        {
            if (hashes[i] is not { } mine)
            {
                judgements[files[i]] = new Judgement(null, null, Unprocessed: true);
                continue;
            }

            int earlier = match(mine, hashes, i);
            judgements[files[i]] = earlier < 0 ? Judgement.None : new Judgement(Relations.Duplicate, files[earlier]);
        }

        return judgements;
    }

    /// <summary>pHash or dHash within <see cref="ImagehashThresholdBits"/>; of several, the nearest (pHash + dHash), then the earliest.</summary>
    private static int ThresholdMatch(Hashes mine, Hashes?[] hashes, int count)
    {
        int best = -1, bestDistance = int.MaxValue;
        for (int j = 0; j < count; j++)
        {
            if (hashes[j] is not { } other)
            {
                continue;
            }

            int phash = Distance(mine.Phash, other.Phash), dhash = Distance(mine.Dhash, other.Dhash);
            if ((phash <= ImagehashThresholdBits || dhash <= ImagehashThresholdBits) && phash + dhash < bestDistance)
            {
                (best, bestDistance) = (j, phash + dhash);
            }
        }

        return best;
    }

    /// <summary>The seed system's rule: any of the four hashes equal; the earliest such design.</summary>
    private static int ExactMatch(Hashes mine, Hashes?[] hashes, int count)
    {
        for (int j = 0; j < count; j++)
        {
            if (hashes[j] is { } other
                && (mine.Phash == other.Phash || mine.Ahash == other.Ahash || mine.Dhash == other.Dhash || mine.Whash == other.Whash))
            {
                return j;
            }
        }

        return -1;
    }

    private static SystemScore ScoreSystem(string name, DuplicateSet set, Dictionary<string, Judgement> judgements)
    {
        var files = set.Manifest.Files;
        // A base and its duplicate variants are one design; a colour variant is another design of the same artwork.
        var designOf = files
            .Where(f => f.Role is Roles.Base or Roles.Variant)
            .ToDictionary(f => f.File, f => f.BaseFile ?? f.File, StringComparer.Ordinal);
        bool SameDesign(Judgement judgement, string baseFile)
            => judgement.RelatedFile is { } related && designOf.GetValueOrDefault(related) == baseFile;

        var kinds = VariantKinds.Duplicates.Select(kind =>
        {
            var ofKind = files.Where(f => f.Role == Roles.Variant && f.Kind == kind).ToArray();
            var found = ofKind.Where(f => judgements[f.File].Flagged && SameDesign(judgements[f.File], f.BaseFile!)).ToArray();
            return new KindScore(
                kind,
                ofKind.Length,
                found.Length,
                found.Count(f => judgements[f.File].Relation == VariantKinds.ExpectedRelation(kind)),
                found.Count(f => judgements[f.File].RelatedFile == f.BaseFile),
                ofKind.Count(f => judgements[f.File].Flagged && !SameDesign(judgements[f.File], f.BaseFile!)),
                ofKind.Count(f => judgements[f.File].Unprocessed),
                [.. ofKind.Except(found).Take(MissesListed).Select(f => Describe(f.File, judgements[f.File]))]);
        }).ToArray();

        var distinct = files.Where(f => Roles.IsDistinct(f.Role)).ToArray();
        var colourVariants = files.Where(f => f.Role == Roles.ColourVariant).ToArray();
        return new SystemScore(
            name,
            kinds,
            distinct.Length,
            [.. distinct.Where(f => judgements[f.File].Flagged).Select(f => (f.File, judgements[f.File].RelatedFile ?? "?"))],
            [.. distinct.Where(f => judgements[f.File].Relation == Relations.ColourVariant).Select(f => (f.File, judgements[f.File].RelatedFile ?? "?"))],
            colourVariants.Length,
            colourVariants.Count(f => judgements[f.File].Relation == Relations.ColourVariant && SameDesign(judgements[f.File], f.BaseFile!)),
            colourVariants.Count(f => judgements[f.File].Flagged));
    }

    private static string Describe(string file, Judgement judgement) => judgement switch
    {
        { Unprocessed: true } => $"{file} (not processed)",
        { Relation: null } => $"{file} (no relation)",
        _ => $"{file} ({judgement.Relation} of {judgement.RelatedFile ?? "?"})",
    };
}
