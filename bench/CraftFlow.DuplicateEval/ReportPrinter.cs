using System.Globalization;

namespace CraftFlow.DuplicateEval;

/// <summary>The evaluation's goals (GitHub issue 11) and the table that shows them beside the two baselines.</summary>
public static class ReportPrinter
{
    public const double RecallGoal = 0.97;
    public const double FalseDuplicateGoal = 0.01;
    public const double ColourVariantGoal = 0.90;

    private const int PairsListed = 5;

    public static void Print(DuplicateSet set, RunOutcome outcome, IReadOnlyList<SystemScore> scores, TextWriter output)
    {
        var craftFlow = scores[0];
        output.WriteLine();
        output.WriteLine($"| kind | {string.Join(" | ", scores.Select(s => s.Name))} |");
        output.WriteLine($"|---|{string.Concat(scores.Select(_ => "---:|"))}");
        foreach (var kind in craftFlow.Kinds)
        {
            output.WriteLine($"| {kind.Kind} (n={kind.Files}) | {string.Join(" | ", scores.Select(s => Percent(s.Kinds.Single(k => k.Kind == kind.Kind).Recall)))} |");
        }

        output.WriteLine($"| all variants (n={craftFlow.Variants}) | {string.Join(" | ", scores.Select(s => Percent((double)s.Found / Math.Max(1, s.Variants))))} |");
        output.WriteLine($"| false duplicates among {craftFlow.DistinctDesigns} distinct designs | {string.Join(" | ", scores.Select(s => $"{Percent(s.FalseDuplicateRate)} ({s.FalseDuplicates.Count})"))} |");
        output.WriteLine($"| colour variants reported as such (n={craftFlow.ColourVariants}) | {string.Join(" | ", scores.Select(ColourCell))} |");
        output.WriteLine();

        output.WriteLine($"{Evaluation.CraftFlow} per kind: found / relation as expected / related to the base itself / flagged against another design / not processed");
        foreach (var kind in craftFlow.Kinds)
        {
            output.WriteLine($"   {kind.Kind,-15} {kind.Found,4}/{kind.Files} {kind.ExpectedRelation,4} ({VariantKinds.ExpectedRelation(kind.Kind)}) {kind.ToBaseItself,4} {kind.WrongTarget,4} {kind.Unprocessed,4}");
            foreach (var miss in kind.Misses)
            {
                output.WriteLine($"      missed: {miss}");
            }
        }

        foreach (var score in scores)
        {
            if (score.FalseDuplicates.Count > 0)
            {
                output.WriteLine($"{score.Name}: false duplicates (file, flagged as a duplicate of): {Pairs(score.FalseDuplicates)}");
            }
        }

        output.WriteLine($"{Evaluation.CraftFlow}: colour variants flagged as duplicates instead: {craftFlow.ColourVariantsFlagged}; " +
            $"distinct designs reported as colour variants (informational): {craftFlow.DistinctColourVariantReports.Count} {Pairs(craftFlow.DistinctColourVariantReports)}");
        if (outcome.Refused.Count > 0)
        {
            output.WriteLine($"refused by the API: {string.Join(", ", outcome.Refused.Take(PairsListed).Select(r => $"{r.FileName}: {r.Reason}"))}");
        }

        var selection = set.Manifest.Selection;
        output.WriteLine($"set: {set.Manifest.Parameters.Bases} bases, {set.Manifest.Parameters.Distractors} distractors, seed {set.Manifest.Parameters.Seed}; " +
            $"selection examined {selection.Examined} files, skipped {selection.NoTransparency} without transparency, {selection.TooSmall} too small, " +
            $"{selection.NearBlank} near-blank, {selection.IdenticalPixels} identical pixels, {selection.NearIdentical} near-identical, {selection.Undecodable} undecodable");
        output.WriteLine($"time: distinct designs {outcome.DistinctPhase.TotalSeconds:F1} s, variants {outcome.RelatedPhase.TotalSeconds:F1} s (upload to all processed)");
        output.WriteLine(GoalsLine(craftFlow));
    }

    private static string GoalsLine(SystemScore score)
    {
        var unmet = score.Kinds.Where(k => k.Recall < RecallGoal).Select(k => $"{k.Kind} recall {Percent(k.Recall)}").ToList();
        if (score.FalseDuplicateRate > FalseDuplicateGoal)
        {
            unmet.Add($"false duplicates {Percent(score.FalseDuplicateRate)}");
        }

        if (score.ColourVariantRate < ColourVariantGoal)
        {
            unmet.Add($"colour variants {Percent(score.ColourVariantRate)}");
        }

        var goals = $"recall >= {Percent(RecallGoal)} on every kind, false duplicates <= {Percent(FalseDuplicateGoal)}, colour variants >= {Percent(ColourVariantGoal)}";
        return unmet.Count == 0 ? $"goals ({goals}): MET" : $"goals ({goals}): NOT MET: {string.Join("; ", unmet)}";
    }

    /// <summary>The baselines have no notion of a colour variant: what they did with one is flag it or not.</summary>
    private static string ColourCell(SystemScore score)
        => score.Name == Evaluation.CraftFlow
            ? Percent(score.ColourVariantRate)
            : $"n/a ({score.ColourVariantsFlagged} flagged as duplicates)";

    private static string Pairs(IReadOnlyList<(string File, string RelatedFile)> pairs)
        => string.Join(", ", pairs.Take(PairsListed).Select(p => $"{p.File} ~ {p.RelatedFile}")) + (pairs.Count > PairsListed ? ", ..." : "");

    private static string Percent(double value) => (value * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %";
}
