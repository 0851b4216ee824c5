using BenchmarkDotNet.Attributes;
using CraftFlow.Imaging.Decoding;
using CraftFlow.Imaging.Duplicates;

namespace CraftFlow.Benchmarks;

/// <summary>
/// One duplicate query (<see cref="DuplicateRules.Default"/>) over N stored designs of one seller. The stored designs
/// carry 256 signatures of drawn artwork (random ellipses and bars on transparency) under random keys, so the scan
/// sees the key distribution of unrelated designs and the candidates it passes on are judged in full.
/// </summary>
public class DuplicateSearchBenchmarks
{
    private ArtworkIndex index = null!;
    private ArtworkSignature query = null!;

    [Params(10_000, 100_000, 1_000_000)]
    public int StoredDesigns { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(5);
        var artworks = Enumerable.Range(0, 256).Select(_ => ArtworkSignature.Of(DrawArtwork(random)).ToBytes()).ToArray();
        index = new ArtworkIndex();
        for (int i = 0; i < StoredDesigns; i++)
        {
            index.Add(Guid.NewGuid(), ArtworkSignature.FromBytes((ulong)random.NextInt64(), artworks[i % artworks.Length])!);
        }

        query = ArtworkSignature.Of(DrawArtwork(random));
    }

    [GlobalCleanup]
    public void Cleanup() => index.Dispose();

    [Benchmark]
    public int Find() => index.Find(query).Count;

    private static RgbaImage DrawArtwork(Random random)
    {
        const int side = 256;
        var pixels = new byte[side * side * 4];
        for (int shape = 0; shape < 6; shape++)
        {
            int cx = random.Next(side), cy = random.Next(side), rx = random.Next(8, 80), ry = random.Next(8, 80);
            byte r = (byte)random.Next(256), g = (byte)random.Next(256), b = (byte)random.Next(256);
            for (int y = Math.Max(0, cy - ry); y < Math.Min(side, cy + ry); y++)
            {
                for (int x = Math.Max(0, cx - rx); x < Math.Min(side, cx + rx); x++)
                {
                    double dx = (x - cx) / (double)rx, dy = (y - cy) / (double)ry;
                    if (shape % 2 == 1 || (dx * dx) + (dy * dy) <= 1)
                    {
                        int i = ((y * side) + x) * 4;
                        (pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]) = (r, g, b, 255);
                    }
                }
            }
        }

        return new RgbaImage(side, side, pixels);
    }
}
