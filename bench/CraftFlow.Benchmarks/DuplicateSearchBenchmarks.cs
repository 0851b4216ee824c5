using BenchmarkDotNet.Attributes;

using CraftFlow.Imaging.Duplicates;

namespace CraftFlow.Benchmarks;

/// <summary>One near-duplicate query (default thresholds: phash ≤ 10 or dhash ≤ 10) over N stored designs.</summary>
public class DuplicateSearchBenchmarks
{
    private HashIndex index = null!;
    private DesignHashes query;

    [Params(10_000, 100_000, 1_000_000)]
    public int StoredHashes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(5);
        index = new HashIndex();
        for (int i = 0; i < StoredHashes; i++)
        {
            index.Add(Guid.NewGuid(), new DesignHashes((ulong)random.NextInt64(), (ulong)random.NextInt64(), (ulong)random.NextInt64(), (ulong)random.NextInt64()));
        }

        query = new DesignHashes((ulong)random.NextInt64(), (ulong)random.NextInt64(), (ulong)random.NextInt64(), (ulong)random.NextInt64());
    }

    [GlobalCleanup]
    public void Cleanup() => index.Dispose();

    [Benchmark]
    public DuplicateSearchResult FindNear_DefaultThresholds() => index.FindNear(query, DuplicateThresholds.Default);

    [Benchmark]
    public DuplicateSearchResult FindNear_AllFourHashes() => index.FindNear(query, new DuplicateThresholds { Average = 10, Perceptual = 10, Difference = 10, Wavelet = 10, Combination = ThresholdCombination.All });
}
