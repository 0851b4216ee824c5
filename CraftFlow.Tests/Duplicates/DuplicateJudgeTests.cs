using CraftFlow.Imaging.Analysis;
using CraftFlow.Imaging.Decoding;
using CraftFlow.Imaging.Duplicates;
using CraftFlow.Tests.Imaging;

namespace CraftFlow.Tests.Duplicates;

/// <summary>The duplicate judgement on drawn artwork with known variants, and on the imagehash fixtures.</summary>
public sealed class DuplicateJudgeTests
{
    private static readonly DrawnArtwork Design = new(
        [new DrawnArtwork.Shape(60, 40, 50, 30, (200, 30, 40)), new DrawnArtwork.Shape(120, 130, 35, 70, (20, 90, 200)), new DrawnArtwork.Shape(80, 170, 20, 20, (30, 30, 30))]);

    private static readonly DrawnArtwork Other = new(
        [new DrawnArtwork.Shape(150, 60, 40, 40, (30, 160, 60)), new DrawnArtwork.Shape(50, 150, 45, 25, (230, 180, 20)), new DrawnArtwork.Shape(160, 170, 15, 30, (30, 30, 30))]);

    [Fact]
    public void The_same_artwork_flattened_on_a_larger_canvas_or_with_other_hidden_colours_is_a_duplicate()
    {
        var original = Signature(Design.Draw(200, 220));
        Assert.Equal(DesignRelation.Duplicate, Judge(Design.Draw(200, 220, flattenOnto: (255, 255, 255)), original).Relation);
        Assert.Equal(DesignRelation.Duplicate, Judge(Design.Draw(320, 350, offsetX: 90, offsetY: 20), original).Relation);
        var hidden = Judge(Design.Draw(200, 220, hidden: (0, 255, 0)), original);
        Assert.Equal((DesignRelation.Duplicate, 0), (hidden.Relation, hidden.Distance));
        Assert.Equal(DesignRelation.Duplicate, Judge(Design.Draw(100, 110, scale: 0.5), original).Relation);
    }

    [Fact]
    public void A_mirror_image_is_mirrored_and_a_quarter_turn_is_a_duplicate()
    {
        var original = Signature(Design.Draw(200, 220));
        var mirrored = Judge(DrawnArtwork.Mirror(Design.Draw(200, 220)), original);
        Assert.Equal(DesignRelation.Mirrored, mirrored.Relation);
        Assert.True(mirrored.Orientation.Mirrors);
        var turned = Judge(DrawnArtwork.Rotate(Design.Draw(200, 220)), original);
        Assert.Equal(DesignRelation.Duplicate, turned.Relation);
        Assert.True(turned.Orientation.Transposes);
    }

    [Fact]
    public void The_same_artwork_in_other_colours_is_a_colour_variant_and_other_artwork_is_unrelated()
    {
        var original = Signature(Design.Draw(200, 220));
        var recoloured = Judge(Design.Draw(200, 220, swapRedBlue: true), original);
        Assert.Equal(DesignRelation.ColourVariant, recoloured.Relation);
        Assert.False(recoloured.Relation.IsDuplicate());
        Assert.Null(DuplicateJudge.Judge(Signature(Other.Draw(200, 220)), original));
    }

    [Fact]
    public void A_sign_with_another_symbol_is_another_design_and_a_cropped_copy_is_the_same()
    {
        var board = new DrawnArtwork.Shape(100, 110, 90, 100, (240, 200, 20));
        var sign = Signature(new DrawnArtwork([board, new DrawnArtwork.Shape(100, 110, 30, 10, (20, 20, 20))]).Draw(200, 220));
        var otherSymbol = Signature(new DrawnArtwork([board, new DrawnArtwork.Shape(100, 110, 10, 30, (20, 20, 20))]).Draw(200, 220));

        // Everything but the ink comparison takes them for one design; the symbol is where the inks differ.
        Assert.NotNull(DuplicateJudge.Judge(otherSymbol, sign, DuplicateRules.Default with { InkDifference = double.MaxValue }));
        Assert.Null(DuplicateJudge.Judge(otherSymbol, sign));

        // 8 % of the artwork cut from its left and top moves the frame too far for the frames as they are; the ink
        // comparison's search finds where it sits (without the search this fails).
        var original = Design.Draw(200, 220);
        Assert.Equal(DesignRelation.Duplicate, Judge(Crop(original, 22, 22), Signature(original)).Relation);
    }

    [Fact]
    public void A_blank_canvas_matches_nothing_not_even_another_blank_one()
    {
        var blank = Signature(new RgbaImage(64, 64, new byte[64 * 64 * 4]));
        Assert.True(blank.IsBlank);
        Assert.Null(DuplicateJudge.Judge(blank, blank));
        Assert.Null(DuplicateJudge.Judge(blank, Signature(Design.Draw(200, 220))));
    }

    [Fact]
    public void A_signature_read_back_from_its_stored_form_judges_the_same()
    {
        var original = Signature(Design.Draw(200, 220));
        var stored = ArtworkSignature.FromBytes(original.Key, original.ToBytes())!;
        foreach (var variant in new[] { Design.Draw(200, 220, flattenOnto: (255, 255, 255)), DrawnArtwork.Mirror(Design.Draw(200, 220)), Other.Draw(200, 220) })
        {
            var query = Signature(variant);
            Assert.Equal(DuplicateJudge.Judge(query, original), DuplicateJudge.Judge(query, stored));
        }

        Assert.Throws<FormatException>(() => ArtworkSignature.FromBytes(0, new byte[10]));

        // Format 1 (before the fine ink) is not comparable: such a design is matched by its bytes until analysed again.
        var formatOne = new byte[390];
        formatOne[0] = 1;
        Assert.Null(ArtworkSignature.FromBytes(0, formatOne));
    }

    [Theory]
    [InlineData("base06", "resize50", DesignRelation.Duplicate)]
    [InlineData("base06", "flipH", DesignRelation.Mirrored)]
    [InlineData("base07", "jpeg50", DesignRelation.Duplicate)]
    [InlineData("base07", "rot90", DesignRelation.Duplicate)]
    public void Imagehash_fixture_variants_are_judged_by_their_kind(string image, string variant, DesignRelation expected)
    {
        var original = Analyze($"images/{image}.png");
        var file = Directory.GetFiles(ImagehashFixtures.PathOf("images"), $"{image}__{variant}.*").Single();
        var match = DuplicateJudge.Judge(DesignAnalyzer.Analyze(File.ReadAllBytes(file)).Artwork, original);
        Assert.Equal(expected, match?.Relation);
    }

    [Fact]
    public void Unrelated_imagehash_fixture_images_are_not_related()
    {
        var names = new[] { "base05.jpg", "base06.png", "base07.png", "base08.png" };
        var signatures = names.Select(n => Analyze($"images/{n}")).ToList();
        for (int i = 0; i < signatures.Count; i++)
        {
            for (int j = 0; j < signatures.Count; j++)
            {
                Assert.True(i == j || DuplicateJudge.Judge(signatures[i], signatures[j]) is null, $"{names[i]} ~ {names[j]}");
            }
        }
    }

    private static ArtworkSignature Analyze(string fixture) => DesignAnalyzer.Analyze(File.ReadAllBytes(ImagehashFixtures.PathOf(fixture))).Artwork;

    private static ArtworkSignature Signature(RgbaImage image) => ArtworkSignature.Of(image);

    private static ArtworkMatch Judge(RgbaImage query, ArtworkSignature stored)
        => DuplicateJudge.Judge(Signature(query), stored) ?? throw new Xunit.Sdk.XunitException("Expected a relation, got none.");

    private static RgbaImage Crop(RgbaImage image, int left, int top)
    {
        int width = image.Width - left, height = image.Height - top;
        var pixels = new byte[width * height * 4];
        for (int y = 0; y < height; y++)
        {
            image.Span.Slice((((y + top) * image.Width) + left) * 4, width * 4).CopyTo(pixels.AsSpan(y * width * 4));
        }

        return new RgbaImage(width, height, pixels);
    }
}
