using System.Numerics;

using CraftFlow.Imaging;
using CraftFlow.Imaging.Duplicates;

namespace CraftFlow.Tests.Imaging;

public class HashIndexTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void FindNear_equals_brute_force_on_random_data(int seed)
    {
        var random = new Random(seed);
        using var index = new HashIndex();
        var stored = new Dictionary<Guid, DesignHashes>();

        // Clusters of near copies around a few bases, so every threshold has matches, among random hashes.
        var bases = Enumerable.Range(0, 20).Select(_ => RandomHashes(random)).ToList();
        for (int n = 0; n < 5003; n++)
        {
            var h = random.Next(3) == 0 ? Mutate(bases[random.Next(bases.Count)], random, random.Next(0, 20)) : RandomHashes(random);
            var id = Guid.NewGuid();
            index.Add(id, h);
            stored[id] = h;
        }

        // Removals and re-adds keep the arrays dense; the answer must not change shape.
        foreach (var id in stored.Keys.Where(_ => random.Next(10) == 0).ToList())
        {
            Assert.True(index.Remove(id));
            stored.Remove(id);
        }

        Assert.Equal(stored.Count, index.Count);
        for (int q = 0; q < 60; q++)
        {
            var query = random.Next(2) == 0 ? Mutate(bases[random.Next(bases.Count)], random, random.Next(0, 8)) : RandomHashes(random);
            var thresholds = new DuplicateThresholds
            {
                Average = random.Next(3) == 0 ? null : random.Next(0, 30),
                Perceptual = random.Next(3) == 0 ? null : random.Next(0, 30),
                Difference = random.Next(3) == 0 ? null : random.Next(0, 30),
                Wavelet = random.Next(3) == 0 ? null : random.Next(0, 30),
                Combination = random.Next(2) == 0 ? ThresholdCombination.Any : ThresholdCombination.All,
            };

            var expected = stored.Where(s => Matches(s.Value, query, thresholds)).Select(s => s.Key).OrderBy(g => g).ToList();
            var actual = index.FindNear(query, thresholds).NearDuplicates;
            Assert.Equal(expected, actual.Select(m => m.Id).OrderBy(g => g).ToList());
            foreach (var m in actual)
            {
                var s = stored[m.Id];
                Assert.Equal(PerceptualHasher.Distance(s.Perceptual, query.Perceptual), m.PerceptualDistance);
                Assert.Equal(PerceptualHasher.Distance(s.Difference, query.Difference), m.DifferenceDistance);
                Assert.Equal(PerceptualHasher.Distance(s.Average, query.Average), m.AverageDistance);
                Assert.Equal(PerceptualHasher.Distance(s.Wavelet, query.Wavelet), m.WaveletDistance);
            }
        }
    }

    [Fact]
    public void Exact_duplicates_are_found_by_sha256_and_forgotten_on_remove()
    {
        using var index = new HashIndex();
        var sha = Sha256Digest.Compute("same bytes"u8);
        Guid a = Guid.NewGuid(), b = Guid.NewGuid(), c = Guid.NewGuid();
        index.Add(a, new DesignHashes(1, 2, 3, 4), sha);
        index.Add(b, new DesignHashes(~1UL, ~2UL, ~3UL, ~4UL), sha);
        index.Add(c, new DesignHashes(5, 6, 7, 8), Sha256Digest.Compute("other"u8));
        var result = index.FindNear(new DesignHashes(0, 0, 0, 0), new DuplicateThresholds { Perceptual = 0, Difference = null }, sha, excludeId: a);
        Assert.Equal([b], result.ExactDuplicates);
        Assert.True(index.Remove(b));
        Assert.Empty(index.FindNear(default, DuplicateThresholds.Default, sha, excludeId: a).ExactDuplicates);
    }

    [Fact]
    public void Default_thresholds_separate_fixture_families_from_unrelated_pairs()
    {
        // pairs.json distances; rotations and mirrors are not near duplicates for any hash.
        using var pairs = ImagehashFixtures.LoadPairs();
        var t = DuplicateThresholds.Default;
        int families = 0, unrelated = 0;
        foreach (var family in pairs.RootElement.GetProperty("families").EnumerateArray())
        {
            foreach (var v in family.GetProperty("variants").EnumerateArray())
            {
                string variant = v.GetProperty("variant").GetString()!;
                bool near = variant is not ("rot90" or "flipH");
                Assert.True(near == MatchesDistances(v.GetProperty("distances"), t), $"{variant} of {family.GetProperty("family")}");
                families++;
            }
        }

        foreach (var pair in pairs.RootElement.GetProperty("unrelated_pairs").EnumerateArray())
        {
            Assert.False(MatchesDistances(pair.GetProperty("distances"), t), $"{pair.GetProperty("a")} ~ {pair.GetProperty("b")}");
            unrelated++;
        }

        Assert.True(families >= 20 && unrelated >= 20);
    }

    private static bool MatchesDistances(System.Text.Json.JsonElement d, DuplicateThresholds t)
    {
        // A zero query against stored hashes whose popcounts equal the distances reproduces the decision.
        static ulong Bits(int n) => n >= 64 ? ulong.MaxValue : (1UL << n) - 1;
        var stored = new DesignHashes(
            Bits(d.GetProperty("average_hash").GetInt32()),
            Bits(d.GetProperty("phash").GetInt32()),
            Bits(d.GetProperty("dhash").GetInt32()),
            Bits(d.GetProperty("whash_haar").GetInt32()));
        using var index = new HashIndex();
        index.Add(Guid.NewGuid(), stored);
        bool viaIndex = index.FindNear(default, t).NearDuplicates.Count == 1;
        Assert.Equal(Matches(stored, default, t), viaIndex);
        return viaIndex;
    }

    private static bool Matches(DesignHashes s, DesignHashes q, DuplicateThresholds t)
    {
        var checks = new List<bool>();
        if (t.Average is { } a)
        {
            checks.Add(BitOperations.PopCount(s.Average ^ q.Average) <= a);
        }

        if (t.Perceptual is { } p)
        {
            checks.Add(BitOperations.PopCount(s.Perceptual ^ q.Perceptual) <= p);
        }

        if (t.Difference is { } d)
        {
            checks.Add(BitOperations.PopCount(s.Difference ^ q.Difference) <= d);
        }

        if (t.Wavelet is { } w)
        {
            checks.Add(BitOperations.PopCount(s.Wavelet ^ q.Wavelet) <= w);
        }

        return checks.Count > 0 && (t.Combination == ThresholdCombination.All ? checks.All(c => c) : checks.Any(c => c));
    }

    private static DesignHashes RandomHashes(Random r) =>
        new((ulong)r.NextInt64() ^ ((ulong)r.Next() << 40), (ulong)r.NextInt64() ^ ((ulong)r.Next() << 40), (ulong)r.NextInt64() ^ ((ulong)r.Next() << 40), (ulong)r.NextInt64() ^ ((ulong)r.Next() << 40));

    private static DesignHashes Mutate(DesignHashes h, Random r, int bits)
    {
        ulong Flip(ulong v)
        {
            for (int i = 0; i < bits; i++)
            {
                v ^= 1UL << r.Next(64);
            }

            return v;
        }

        return new DesignHashes(Flip(h.Average), Flip(h.Perceptual), Flip(h.Difference), Flip(h.Wavelet));
    }
}
