using BenchmarkDotNet.Attributes;

using CraftFlow.Imaging;
using CraftFlow.Imaging.Analysis;
using CraftFlow.Imaging.Decoding;
using CraftFlow.Imaging.Hashing;

using ImageMagick;

namespace CraftFlow.Benchmarks;

/// <summary>
/// Decode + all four 64-bit hashes of a 1024×1024 image. "AllCores" hashes <see cref="Batch"/> images with
/// Parallel.For, so images/s on all cores = Batch / mean time. The Print rows are a 4500×5400 RGBA PNG (the
/// t-shirt print size): the whole single-decode analysis (hashes, display copy, thumbnail) and its parts.
/// </summary>
[MemoryDiagnoser]
public class HashingBenchmarks
{
    public const int Batch = 16;

    private byte[] jpeg = [];
    private byte[] png = [];
    private GrayImage gray = null!;
    private byte[] print = [];
    private GrayImage printGray = null!;
    private byte[] square4096 = [];

    [GlobalSetup]
    public void Setup()
    {
        jpeg = BenchmarkImages.Create(MagickFormat.Jpeg);
        png = BenchmarkImages.Create(MagickFormat.Png);
        gray = ImageDecoder.DecodeGrayscale(jpeg);
        print = BenchmarkImages.PrintFile();
        printGray = ImageDecoder.DecodeGrayscale(print);
        square4096 = new byte[4096 * 4096];
    }

    [Benchmark]
    // As the Worker analyses a design it stores: the single decode and everything from it, thumbnail included.
    public byte[] Print4500x5400_Analyze() => DesignAnalyzer.Analyze(print).RenderThumbnail();

    [Benchmark]
    public void Print4500x5400_DecodeGrayOnly() => ImageDecoder.DecodeGrayscale(print).Dispose();

    [Benchmark]
    public ulong Print4500x5400_WaveletHash() => PerceptualHasher.WaveletHash(printGray);

    [Benchmark]
    public void Print4500x5400_LanczosTo4096() =>
        PillowLanczosResizer.Resize(printGray.Span, printGray.Width, printGray.Height, square4096, 4096, 4096);

    [Benchmark]
    public ulong Print4500x5400_AverageHash() => PerceptualHasher.AverageHash(printGray);

    [Benchmark]
    public byte[] Jpeg1024_Analyze() => DesignAnalyzer.Analyze(jpeg).RenderThumbnail();

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
