namespace CraftFlow.Imaging.Duplicates;

/// <summary>
/// The limits of the judgement (<see cref="DuplicateJudge"/>). A stored design is a candidate when its
/// <see cref="ArtworkSignature.Key"/> is within <see cref="KeyDistance"/> bits of the query's. It is the same artwork
/// when, in one of the <see cref="Orientation.Judged"/> orientations, the outline hashes are within
/// <see cref="OutlineDistance"/> bits, the aspect ratios differ by at most <see cref="AspectRatio"/>, the 16×16
/// layouts correlate at <see cref="CloseLayoutCorrelation"/> or more (<see cref="FarLayoutCorrelation"/> for outlines
/// more than <see cref="CloseOutline"/> bits apart: the cheap test that spares most candidates the ink comparison),
/// and the inks differ by at most
/// <see cref="InkDifference"/> where they differ most (<see cref="InkComparison"/>): the test that tells apart two
/// designs built on one template (a warning triangle, a badge, a speech bubble with another symbol or outline).
/// It is a duplicate rather than a colour variant when the colours differ by at most <see cref="ColourDistance"/>
/// (mean CIELAB difference, lightness at half weight).
/// </summary>
/// <remarks>
/// Chosen on openclipart-png sets (150 designs with 11 kinds of variants and their colour variants, 600 other
/// designs) as the best trade between the weakest kind's recall and false duplicates; bench/duplicates measures them
/// through the API and the Worker (README).
/// </remarks>
public sealed record DuplicateRules
{
    public static DuplicateRules Default { get; } = new();

    public int KeyDistance { get; init; } = 24;

    public int OutlineDistance { get; init; } = 24;

    public double AspectRatio { get; init; } = 1.3;

    public int CloseOutline { get; init; } = 16;

    public double CloseLayoutCorrelation { get; init; } = 0.5;

    public double FarLayoutCorrelation { get; init; } = 0.6;

    public double InkDifference { get; init; } = 18;

    public double ColourDistance { get; init; } = 20;

    internal double RequiredCorrelation(int outlineDistance)
        => outlineDistance <= CloseOutline ? CloseLayoutCorrelation : FarLayoutCorrelation;
}
