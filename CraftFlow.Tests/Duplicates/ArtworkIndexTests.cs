using CraftFlow.Imaging.Decoding;
using CraftFlow.Imaging.Duplicates;

namespace CraftFlow.Tests.Duplicates;

public sealed class ArtworkIndexTests
{
    private const int Side = 160;

    [Fact]
    public void Find_answers_exactly_what_judging_every_stored_design_answers()
    {
        var random = new Random(11);
        var bases = Enumerable.Range(0, 40).Select(_ => DrawnArtwork.Random(random, Side)).ToList();

        // Each drawn design, plus a mirror image and a shifted copy of some: related and unrelated designs together.
        var stored = new Dictionary<Guid, ArtworkSignature>();
        foreach (var artwork in bases)
        {
            stored[Guid.NewGuid()] = ArtworkSignature.Of(artwork.Draw(Side, Side));
        }

        foreach (var artwork in bases.Take(15))
        {
            stored[Guid.NewGuid()] = ArtworkSignature.Of(DrawnArtwork.Mirror(artwork.Draw(Side + 60, Side + 30, offsetX: 20, offsetY: 10)));
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

        // 15 mirrored copies, each related from both sides (one drawn pair falls just outside the ink comparison).
        Assert.True(related >= 28, $"The set should hold related designs; found {related} relations.");
    }

    [Fact]
    public void Find_is_exact_when_thousands_of_keys_are_near_the_query()
    {
        // More near keys than the scan gathers at once, in a count the vector steps do not divide: every chunk and
        // the scalar tail are judged.
        var random = new Random(29);
        var query = ArtworkSignature.Of(DrawnArtwork.Random(random, Side).Draw(Side, Side));
        var shapes = new[]
        {
            ArtworkSignature.Of(DrawnArtwork.Mirror(DrawnArtwork.Random(new Random(29), Side).Draw(Side, Side))).ToBytes(),
            ArtworkSignature.Of(DrawnArtwork.Random(random, Side).Draw(Side, Side)).ToBytes(),
            ArtworkSignature.Of(DrawnArtwork.Random(random, Side).Draw(Side, Side)).ToBytes(),
        };
        var stored = new Dictionary<Guid, ArtworkSignature>();
        for (int i = 0; i < 2_503; i++)
        {
            ulong key = query.Key ^ (1UL << random.Next(64)) ^ (i % 7 == 0 ? ulong.MaxValue : 0);
            stored[Guid.NewGuid()] = ArtworkSignature.FromBytes(key, shapes[i % shapes.Length])!;
        }

        using var index = new ArtworkIndex();
        foreach (var (id, signature) in stored)
        {
            index.Add(id, signature);
        }

        var expected = stored.Where(s => DuplicateJudge.Judge(query, s.Value) is not null).Select(s => s.Key).Order().ToList();
        Assert.Equal(expected, index.Find(query).Select(f => f.Id).Order().ToList());
        Assert.InRange(expected.Count, 600, 900);
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

        // What a refresh compares a stored row with: the same key and bytes, or not.
        var stored = ArtworkSignature.FromBytes(signature.Key, signature.ToBytes())!;
        Assert.True(index.Holds(second, stored.Key, stored.ToBytes()));
        Assert.False(index.Holds(second, stored.Key ^ 1, stored.ToBytes()));

        Assert.True(index.Remove(first));
        Assert.False(index.Remove(first));
        Assert.False(index.Holds(first, signature.Key, signature.ToBytes()));
        index.Add(second, ArtworkSignature.Of(Draw(random)));
        Assert.False(index.Holds(second, signature.Key, signature.ToBytes()));
        Assert.Empty(index.Find(signature));
        Assert.Equal(1, index.Count);
    }

    [Fact]
    public void A_search_finished_later_answers_what_a_search_then_would()
    {
        var random = new Random(5);
        var artwork = DrawnArtwork.Random(random, Side);
        var query = ArtworkSignature.Of(artwork.Draw(Side, Side));
        var copy = ArtworkSignature.Of(artwork.Draw(Side + 40, Side + 40, offsetX: 20, offsetY: 20));
        var mirrored = ArtworkSignature.Of(DrawnArtwork.Mirror(artwork.Draw(Side, Side)));
        using var index = new ArtworkIndex();
        Guid removed = Guid.NewGuid(), replaced = Guid.NewGuid(), kept = Guid.NewGuid(), added = Guid.NewGuid();
        foreach (var id in (Guid[])[removed, replaced, kept])
        {
            index.Add(id, copy);
        }

        var search = index.Begin(query);
        Assert.Equal(3, search.Found.Count);

        // After it began: one design deleted, one re-analysed into something else, one new near-duplicate.
        index.Remove(removed);
        index.Add(replaced, ArtworkSignature.Of(Draw(random)));
        index.Add(added, mirrored);

        var finished = index.Finish(search);
        Assert.Equal(index.Find(query), finished);
        Assert.Equal(new[] { kept, added }.Order(), finished.Select(r => r.Id).Order());
        Assert.Equal(DesignRelation.Mirrored, finished.Single(r => r.Id == added).Match.Relation);

        // Begun on another index (a cache that was reloaded), the search is done again in full.
        using var other = new ArtworkIndex();
        other.Add(added, mirrored);
        Assert.Equal([added], other.Finish(search).Select(r => r.Id));
    }

    private static RgbaImage Draw(Random random) => DrawnArtwork.Random(random, Side).Draw(Side, Side);
}
