using CraftFlow.Imaging;
using CraftFlow.Imaging.Decoding;

using ImageMagick;

namespace CraftFlow.Tests.Imaging;

public class ImageDecoderTests
{
    [Fact]
    public void Long_animation_hashes_its_first_frame()
    {
        using var frames = new MagickImageCollection();
        for (int i = 0; i < 120; i++)
        {
            var frame = new MagickImage(new MagickColor((byte)(i * 2), 40, (byte)(255 - i)), 64, 48);
            frame.Draw(new ImageMagick.Drawing.DrawableRectangle(i % 50, 5, (i % 50) + 10, 30));
            frame.AnimationDelay = 5;
            frames.Add(frame);
        }

        byte[] animated = frames.ToByteArray(MagickFormat.Gif);
        byte[] firstOnly = frames[0].ToByteArray(MagickFormat.Gif);
        var a = PerceptualHasher.Compute(new MemoryStream(animated));
        var b = PerceptualHasher.Compute(new MemoryStream(firstOnly));
        Assert.Equal(b, a);
    }

    [Fact]
    public void Hashing_in_parallel_gives_the_serial_results()
    {
        var files = ImagehashFixtures.Images.Select(i => File.ReadAllBytes(ImagehashFixtures.PathOf(i.File))).ToArray();
        var serial = files.Select(f => PerceptualHasher.Compute(new MemoryStream(f))).ToArray();
        var parallel = new ImageHashes[files.Length];
        Parallel.For(0, files.Length * 3, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            var h = PerceptualHasher.Compute(new MemoryStream(files[i % files.Length]));
            if (i >= files.Length * 2)
            {
                parallel[i % files.Length] = h;
            }
            else
            {
                Assert.Equal(serial[i % files.Length], h);
            }
        });
        Assert.Equal(serial, parallel);
    }

    [Fact]
    public void Hashes_ignore_exif_orientation_but_rendering_applies_it()
    {
        byte[] jpeg = File.ReadAllBytes(Path.Combine(PillowDecoderCaseTests.Directory(), "exif6.jpg"));
        var gray = ImageDecoder.DecodeGrayscale(jpeg);
        Assert.Equal((160, 120), (gray.Width, gray.Height));
        using var display = ImageDecoder.DecodeForRendering(jpeg);
        Assert.Equal((120u, 160u), (display.Width, display.Height));
    }

    [Fact]
    public void Jpeg_with_stray_bytes_before_a_marker_still_hashes_like_the_clean_file()
    {
        // libjpeg warns "extraneous bytes before marker" and decodes normally; Pillow accepts such files.
        byte[] clean = File.ReadAllBytes(ImagehashFixtures.PathOf("images/img03_shapes_640x480_q90.jpg"));
        int dqt = clean.AsSpan().IndexOf([(byte)0xFF, (byte)0xDB]);
        Assert.True(dqt > 2);
        byte[] stray = [.. clean[..dqt], 0x00, 0x00, 0x00, .. clean[dqt..]];
        Assert.Equal(PerceptualHasher.Compute(new MemoryStream(clean)), PerceptualHasher.Compute(new MemoryStream(stray)));
    }

    [Fact]
    public void Magick_memory_limit_derives_from_the_process_limit()
    {
        var options = new ImagingOptions().WithProcessMemoryLimit(7000);
        Assert.Equal((ulong)(7000 * 1024.0 * 1024.0 / 3), options.MagickMemoryLimitBytes);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImagingOptions().WithProcessMemoryLimit(0));
    }

    [Fact]
    public void Header_is_read_without_decoding()
    {
        byte[] png = File.ReadAllBytes(ImagehashFixtures.PathOf("images/img03_shapes_640x480.png"));
        var header = ImageDecoder.ReadHeader(png, ImagingOptions.Default);
        Assert.Equal(new ImageHeader(ImageContainerFormat.Png, 640, 480), header);
        byte[] tiff = File.ReadAllBytes(Path.Combine(PillowDecoderCaseTests.Directory(), "rgb_lzw.tif"));
        Assert.Equal(new ImageHeader(ImageContainerFormat.Tiff, 160, 120), ImageDecoder.ReadHeader(tiff, ImagingOptions.Default));
    }
}
