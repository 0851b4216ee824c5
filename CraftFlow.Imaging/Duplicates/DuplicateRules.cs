namespace CraftFlow.Imaging.Duplicates;

/// <summary>
/// The limits of the judgement (<see cref="DuplicateJudge"/>). A stored design is a candidate when its
/// <see cref="ArtworkSignature.Key"/> is within <see cref="KeyDistance"/> bits of the query's. It is the same artwork
/// when, in one of the <see cref="Orientation.Judged"/> orientations, the aspect ratios differ by at most
/// <see cref="AspectRatio"/> and the outline hashes are close with layouts that agree: within
/// <see cref="CloseOutline"/> bits at a layout correlation of <see cref="CloseLayoutCorrelation"/>, or within
/// <see cref="FarOutline"/> bits at <see cref="FarLayoutCorrelation"/> (a crop moves the outline more than the masses),
/// and the central half of the layouts correlating at <see cref="InteriorLayoutCorrelation"/> (two designs built on one
/// template, a warning triangle or a badge with another symbol inside, agree everywhere but there).
/// It is a duplicate rather than a colour variant when the colours differ by at most <see cref="ColourDistance"/>
/// (mean CIELAB difference, lightness at half weight).
/// </summary>
/// <remarks>
/// Chosen on openclipart-png sets (150 designs with 11 kinds of variants and their colour variants, 400–600 other
/// designs) as the best trade between the weakest kind's recall and false duplicates; bench/duplicates measures them
/// through the API and the Worker (README).
/// </remarks>
public sealed record DuplicateRules
{
    public static DuplicateRules Default { get; } = new();

    public int KeyDistance { get; init; } = 24;

    public int CloseOutline { get; init; } = 16;

    public double CloseLayoutCorrelation { get; init; } = 0.6;

    public int FarOutline { get; init; } = 24;

    public double FarLayoutCorrelation { get; init; } = 0.85;

    public double InteriorLayoutCorrelation { get; init; } = 0.5;

    public double AspectRatio { get; init; } = 1.3;

    public double ColourDistance { get; init; } = 20;

    internal double RequiredCorrelation(int outlineDistance)
        => outlineDistance <= CloseOutline ? CloseLayoutCorrelation : outlineDistance <= FarOutline ? FarLayoutCorrelation : double.PositiveInfinity;
}
