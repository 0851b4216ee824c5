using CraftFlow.Imaging.Decoding;
using CraftFlow.Imaging.Duplicates;

namespace CraftFlow.Tests.Duplicates;

public sealed class ArtworkIndexTests
{
    [Fact]
    public void Find_answers_exactly_what_judging_every_stored_design_answers()
    {
        var random = new Random(11);
        var bases = Enumerable.Range(0, 40).Select(_ => Draw(random)).ToList();

        // Each drawn design, plus a mirror image and a shifted copy of some: related and unrelated designs together.
        var stored = new Dictionary<Guid, ArtworkSignature>();
        foreach (var image in bases)
        {
            stored[Guid.NewGuid()] = ArtworkSignature.Of(image);
        }

        foreach (var image in bases.Take(15))
        {
            stored[Guid.NewGuid()] = ArtworkSignature.Of(MirrorAndPad(image));
        }

        using var index = new ArtworkIndex();
        foreach (var (id, signature) in stored)
        {
            index.Add(id, signature);
        }

        int related = 0;
        foreach (var (queryId, query) in stored)
        {
            var expected = stored
                .Where(s => s.Key != queryId)
                .Select(s => (s.Key, Match: DuplicateJudge.Judge(query, s.Value)))
                .Where(s => s.Match is not null)
                .Select(s => s.Key)
                .Order()
                .ToList();
            var found = index.Find(query, excludeId: queryId);
            Assert.Equal(expected, found.Select(f => f.Id).Order().ToList());
            related += found.Count;
        }

        Assert.True(related >= 30, $"The set should hold related designs; found {related} relations.");
    }

    [Fact]
    public void Removed_and_replaced_designs_are_no_longer_found()
    {
        var random = new Random(3);
        var image = Draw(random);
        var signature = ArtworkSignature.Of(image);
        using var index = new ArtworkIndex();
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();
        index.Add(first, signature);
        index.Add(second, signature);
        Assert.Equal(2, index.Find(signature).Count);

        Assert.True(index.Remove(first));
        Assert.False(index.Remove(first));
        index.Add(second, ArtworkSignature.Of(Draw(random)));
        Assert.Empty(index.Find(signature));
        Assert.Equal(1, index.Count);
    }

    private static RgbaImage Draw(Random random)
    {
        const int side = 160;
        var pixels = new byte[side * side * 4];
        for (int shape = 0; shape < 5; shape++)
        {
            int cx = random.Next(20, side - 20), cy = random.Next(20, side - 20), rx = random.Next(8, 40), ry = random.Next(8, 40);
            byte r = (byte)random.Next(256), g = (byte)random.Next(256), b = (byte)random.Next(256);
            for (int y = Math.Max(0, cy - ry); y < Math.Min(side, cy + ry); y++)
            {
                for (int x = Math.Max(0, cx - rx); x < Math.Min(side, cx + rx); x++)
                {
                    double dx = (x - cx) / (double)rx, dy = (y - cy) / (double)ry;
                    if ((dx * dx) + (dy * dy) <= 1)
                    {
                        int i = ((y * side) + x) * 4;
                        (pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]) = (r, g, b, (byte)255);
                    }
                }
            }
        }

        return new RgbaImage(side, side, pixels);
    }

    private static RgbaImage MirrorAndPad(RgbaImage image)
    {
        int width = image.Width + 60, height = image.Height + 30;
        var pixels = new byte[width * height * 4];
        for (int y = 0; y < image.Height; y++)
        {
            for (int x = 0; x < image.Width; x++)
            {
                image.Span.Slice(((y * image.Width) + (image.Width - 1 - x)) * 4, 4).CopyTo(pixels.AsSpan((((y + 10) * width) + x + 40) * 4));
            }
        }

        return new RgbaImage(width, height, pixels);
    }
}
