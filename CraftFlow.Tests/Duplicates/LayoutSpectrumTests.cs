using CraftFlow.Imaging.Decoding;
using CraftFlow.Imaging.Duplicates;

namespace CraftFlow.Tests.Duplicates;

/// <summary>The index's layout bound: never below the judgement's correlation, and tight enough to spare it work.</summary>
public sealed class LayoutSpectrumTests
{
    private const int Side = 160;

    [Fact]
    public void The_bound_is_never_below_the_correlation_and_rejects_most_unrelated_layouts()
    {
        var random = new Random(17);
        var signatures = Enumerable.Range(0, 40).Select(_ => ArtworkSignature.Of(DrawnArtwork.Random(random, Side).Draw(Side, Side))).ToList();
        var orientations = Orientation.Judged.ToArray();
        var spectra = signatures.Select(s =>
        {
            var kept = new float[orientations.Length * LayoutSpectrum.Length];
            return (Kept: kept, Remainder: LayoutSpectrum.Of(s.Layout, orientations, kept));
        }).ToList();

        int uncorrelated = 0, rejected = 0;
        for (int q = 0; q < signatures.Count; q++)
        {
            for (int s = 0; s < signatures.Count; s++)
            {
                for (int o = 0; o < orientations.Length; o++)
                {
                    double correlation = DuplicateJudge.LayoutCorrelation(signatures[q], signatures[s], orientations[o]);
                    float bound = LayoutSpectrum.Bound(
                        spectra[q].Kept.AsSpan(o * LayoutSpectrum.Length, LayoutSpectrum.Length), spectra[q].Remainder,
                        spectra[s].Kept.AsSpan(0, LayoutSpectrum.Length), spectra[s].Remainder);
                    Assert.True(bound >= correlation, $"bound {bound} below correlation {correlation} ({q} → {s}, {orientations[o]})");
                    if (correlation < DuplicateRules.Default.CloseLayoutCorrelation)
                    {
                        uncorrelated++;
                        rejected += bound < DuplicateRules.Default.CloseLayoutCorrelation ? 1 : 0;
                    }
                }
            }
        }

        Assert.True(rejected > uncorrelated / 2, $"The bound rejected {rejected} of {uncorrelated} uncorrelated layouts.");
    }

    [Fact]
    public void A_flat_layout_is_left_to_the_judgement()
    {
        var filled = new byte[Side * Side * 4];
        Array.Fill(filled, (byte)255);
        var flat = ArtworkSignature.Of(new RgbaImage(Side, Side, filled));
        var kept = new float[LayoutSpectrum.Length];

        float rest = LayoutSpectrum.Of(flat.Layout, [Orientation.Identity], kept);

        Assert.True(float.IsNaN(LayoutSpectrum.Bound(kept, rest, kept, rest)));
        Assert.Equal(1, DuplicateJudge.LayoutCorrelation(flat, flat, Orientation.Identity));
    }
}
