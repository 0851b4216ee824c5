using BenchmarkDotNet.Attributes;

using CraftFlow.Imaging.Rendering;

using ImageMagick;

namespace CraftFlow.Benchmarks;

[MemoryDiagnoser]
public class RenderingBenchmarks
{
    private byte[] jpeg = [];
    private byte[] template = [];
    private byte[] design = [];

    [GlobalSetup]
    public void Setup()
    {
        jpeg = BenchmarkImages.Create(MagickFormat.Jpeg);
        template = BenchmarkImages.Create(MagickFormat.Jpeg, seed: 2);
        using var d = new MagickImage(MagickColors.Red, 600, 400);
        design = d.ToByteArray(MagickFormat.Png);
    }

    [Benchmark]
    public byte[] Thumbnail_Jpeg1024() => ThumbnailRenderer.Render(jpeg);

    [Benchmark]
    public byte[] Mockup_Jpeg1024() => MockupCompositor.Render(template, new PrintArea(312, 262, 400, 500, 5), design);
}
