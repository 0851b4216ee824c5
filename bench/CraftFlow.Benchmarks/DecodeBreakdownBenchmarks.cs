using BenchmarkDotNet.Attributes;

using ImageMagick;

namespace CraftFlow.Benchmarks;

/// <summary>Where decoding time goes: ImageMagick's read alone versus read plus pixel export.</summary>
public class DecodeBreakdownBenchmarks
{
    private byte[] jpeg = [];
    private byte[] png = [];

    [GlobalSetup]
    public void Setup()
    {
        jpeg = BenchmarkImages.Create(MagickFormat.Jpeg);
        png = BenchmarkImages.Create(MagickFormat.Png);
    }

    [Benchmark]
    public uint MagickReadJpeg()
    {
        using var image = new MagickImage(jpeg, new MagickReadSettings { Format = MagickFormat.Jpeg });
        return image.Width;
    }

    [Benchmark]
    public int MagickReadAndExportJpeg()
    {
        using var image = new MagickImage(jpeg, new MagickReadSettings { Format = MagickFormat.Jpeg });
        using var pixels = image.GetPixelsUnsafe();
        return pixels.ToByteArray(PixelMapping.RGB)!.Length;
    }

    [Benchmark]
    public uint MagickReadPng()
    {
        using var image = new MagickImage(png, new MagickReadSettings { Format = MagickFormat.Png });
        return image.Width;
    }
}
