using BenchmarkDotNet.Attributes;

using CraftFlow.Imaging;
using CraftFlow.Imaging.Decoding;
using CraftFlow.Imaging.Hashing;

using ImageMagick;

namespace CraftFlow.Benchmarks;

/// <summary>
/// Decode + all four 64-bit hashes of a 1024×1024 image. "AllCores" hashes <see cref="Batch"/> images with
/// Parallel.For, so images/s on all cores = Batch / mean time.
/// </summary>
[MemoryDiagnoser]
public class HashingBenchmarks
{
    public const int Batch = 16;

    private byte[] jpeg = [];
    private byte[] png = [];
    private GrayImage gray = null!;

    [GlobalSetup]
    public void Setup()
    {
        jpeg = BenchmarkImages.Create(MagickFormat.Jpeg);
        png = BenchmarkImages.Create(MagickFormat.Png);
        gray = ImageDecoder.DecodeGrayscale(jpeg);
    }

    [Benchmark]
    public ImageHashes Jpeg1024_OneCore() => PerceptualHasher.Compute(new MemoryStream(jpeg));

    [Benchmark]
    public ImageHashes Png1024_OneCore() => PerceptualHasher.Compute(new MemoryStream(png));

    [Benchmark(OperationsPerInvoke = Batch)]
    public void Jpeg1024_AllCores() => Parallel.For(0, Batch, _ => PerceptualHasher.Compute(new MemoryStream(jpeg)));

    [Benchmark(OperationsPerInvoke = Batch)]
    public void Png1024_AllCores() => Parallel.For(0, Batch, _ => PerceptualHasher.Compute(new MemoryStream(png)));

    [Benchmark]
    public GrayImage Jpeg1024_DecodeOnly() => ImageDecoder.DecodeGrayscale(jpeg);

    [Benchmark]
    public ImageHashes Gray1024_HashesOnly() => PerceptualHasher.Compute(gray);

    [Benchmark]
    public ulong Gray1024_AverageHash() => PerceptualHasher.AverageHash(gray);

    [Benchmark]
    public ulong Gray1024_PerceptualHash() => PerceptualHasher.PerceptualHash(gray);

    [Benchmark]
    public ulong Gray1024_DifferenceHash() => PerceptualHasher.DifferenceHash(gray);

    [Benchmark]
    public ulong Gray1024_WaveletHash() => PerceptualHasher.WaveletHash(gray);
}
