using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text.Json;

using CraftFlow.Imaging;
using CraftFlow.Imaging.Analysis;
using CraftFlow.Imaging.Decoding;
using CraftFlow.Imaging.Hashing;

using ImageMagick;

namespace CraftFlow.Tests.Imaging;

/// <summary>The single-decode path: the same hashes as imagehash, a reduced display copy, bounded memory.</summary>
public class DesignAnalyzerTests
{
    public static TheoryData<string> FixtureFiles()
    {
        var data = new TheoryData<string>();
        foreach (var image in ImagehashFixtures.Images)
        {
            data.Add(image.File);
        }

        return data;
    }

    public static TheoryData<string> PillowCases()
    {
        var data = new TheoryData<string>();
        foreach (var p in JsonDocument.Parse(File.ReadAllBytes(Path.Combine(PillowDecoderCaseTests.Directory(), "expected.json"))).RootElement.EnumerateObject())
        {
            data.Add(p.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FixtureFiles))]
    public void Analysis_hashes_equal_imagehash_for_every_fixture(string file)
    {
        var expected = ImagehashFixtures.Images.Single(i => i.File == file).Hashes;
        var analysis = DesignAnalyzer.Analyze(File.ReadAllBytes(ImagehashFixtures.PathOf(file)));
        Assert.Equal(expected["average_hash"], PerceptualHasher.ToHex(analysis.Hashes.Average));
        Assert.Equal(expected["phash"], PerceptualHasher.ToHex(analysis.Hashes.Perceptual));
        Assert.Equal(expected["dhash"], PerceptualHasher.ToHex(analysis.Hashes.Difference));
        Assert.Equal(expected["whash_haar"], PerceptualHasher.ToHex(analysis.Hashes.Wavelet));
    }

    [Theory]
    [MemberData(nameof(PillowCases))]
    public void Analysis_hashes_equal_pillow_for_every_decoder_case(string file)
    {
        var expected = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(PillowDecoderCaseTests.Directory(), "expected.json")))
            .RootElement.GetProperty(file).GetProperty("hashes");
        byte[] data = File.ReadAllBytes(Path.Combine(PillowDecoderCaseTests.Directory(), file));
        var analysis = DesignAnalyzer.Analyze(data);
        Assert.Equal(expected.GetProperty("average_hash").GetString(), PerceptualHasher.ToHex(analysis.Hashes.Average));
        Assert.Equal(expected.GetProperty("phash").GetString(), PerceptualHasher.ToHex(analysis.Hashes.Perceptual));
        Assert.Equal(expected.GetProperty("dhash").GetString(), PerceptualHasher.ToHex(analysis.Hashes.Difference));
        Assert.Equal(expected.GetProperty("whash_haar").GetString(), PerceptualHasher.ToHex(analysis.Hashes.Wavelet));
        var full = RgbaImage.Decode(data);
        Assert.True(Math.Max(analysis.Appearance.Width, analysis.Appearance.Height) >= Math.Min(RgbaImage.MinimumLongestSide, Math.Max(full.Width, full.Height)));
        Assert.Equal(full.Width > full.Height, analysis.Appearance.Width > analysis.Appearance.Height);
        Assert.NotEmpty(analysis.RenderThumbnail());
    }

    [Theory]
    [InlineData("g2.png")]
    [InlineData("g4.png")]
    [InlineData("g_trns.png")]
    [InlineData("la.png")]
    [InlineData("p1.png")]
    [InlineData("p4_trns.png")]
    [InlineData("pal.png")]
    [InlineData("odd_size.png")]
    [InlineData("interlaced.png")]
    [InlineData("png_rgba_interlaced.png")]
    [InlineData("tiny_3x2.png")]
    public void Png_display_copy_has_the_pixels_imagemagick_decodes(string file)
    {
        byte[] data = File.ReadAllBytes(Path.Combine(PillowDecoderCaseTests.Directory(), file));
        var mine = DesignAnalyzer.Analyze(data).Appearance;
        var magick = RgbaImage.Decode(data);
        Assert.Equal((magick.Width, magick.Height), (mine.Width, mine.Height));
        ReadOnlySpan<byte> a = mine.Span, b = magick.Span;
        for (int i = 0; i < a.Length; i += 4)
        {
            Assert.Equal(b[i + 3], a[i + 3]);
            if (b[i + 3] != 0)
            {
                Assert.True(a.Slice(i, 3).SequenceEqual(b.Slice(i, 3)), $"{file}: pixel {i / 4} is {a[i]},{a[i + 1]},{a[i + 2]}, ImageMagick says {b[i]},{b[i + 1]},{b[i + 2]}");
            }
        }
    }

    [Theory]
    [InlineData(300, 200)]     // factor 1: copied
    [InlineData(1100, 700)]    // factor 2, a last column and row of one pixel
    [InlineData(1601, 1030)]   // factor 3, ragged on both axes
    public void Opaque_display_copy_read_from_the_pixel_cache_equals_the_alpha_weighted_reduction(int width, int height)
    {
        // The same noise as a 24-bit BMP (ImageMagick's RGB rows, summed down the columns) and as an RGB PNG (our
        // decoder's RGBA rows at alpha 255, weighted box by box): the two reductions must give the same bytes.
        var rgb = new byte[width * height * 3];
        new Random(width).NextBytes(rgb);
        using var image = new MagickImage();
        image.ReadPixels(rgb, new PixelReadSettings((uint)width, (uint)height, StorageType.Char, PixelMapping.RGB));
        image.Depth = 8;
        byte[] bmp = image.ToByteArray(MagickFormat.Bmp3);
        image.Settings.SetDefine(MagickFormat.Png, "color-type", "2");
        byte[] png = image.ToByteArray(MagickFormat.Png);

        var fromCache = DesignAnalyzer.Analyze(bmp).Appearance;
        var fromRows = DesignAnalyzer.Analyze(png).Appearance;
        Assert.Equal((fromRows.Width, fromRows.Height), (fromCache.Width, fromCache.Height));
        Assert.True(fromCache.Span.SequenceEqual(fromRows.Span));
    }

    [Fact]
    public void Print_file_is_hashed_and_reduced_without_its_full_size_pixels_on_the_managed_heap()
    {
        byte[] png = PrintFile(4500, 5400, hidden: 0);
        DesignAnalyzer.Analyze(png);   // warm up the coefficient caches and the JIT
        long before = GC.GetAllocatedBytesForCurrentThread();
        var analysis = DesignAnalyzer.Analyze(png);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // 4500×5400 RGBA is 97 MB, its grayscale 24 MB: neither may be a managed array.
        Assert.True(allocated < 8_000_000, $"allocated {allocated:N0} managed bytes");
        Assert.Equal((4500, 5400), (analysis.Header.Width, analysis.Header.Height));
        Assert.Equal((450, 540), (analysis.Appearance.Width, analysis.Appearance.Height));
        Assert.Equal([0, 0, 0, 0], analysis.Appearance.Span[..4].ToArray());
        int centre = ((270 * 450) + 225) * 4;
        Assert.Equal([200, 40, 90, 255], analysis.Appearance.Span.Slice(centre, 4).ToArray());
        using var gray = ImageDecoder.DecodeGrayscale(png);
        Assert.Equal(PerceptualHasher.Compute(gray), analysis.Hashes);
    }

    [Fact]
    public void Colour_hidden_under_transparent_pixels_changes_the_hashes_but_not_the_display_copy()
    {
        // imagehash ignores alpha, so the hidden colour counts for the stored hashes; a viewer never sees it.
        var black = DesignAnalyzer.Analyze(PrintFile(900, 1200, hidden: 0));
        var white = DesignAnalyzer.Analyze(PrintFile(900, 1200, hidden: 255));
        Assert.NotEqual(black.Hashes.Average, white.Hashes.Average);
        Assert.True(black.Appearance.Span.SequenceEqual(white.Appearance.Span));
    }

    [Fact]
    public void Exif_orientation_turns_the_display_copy_but_not_the_hashes()
    {
        byte[] jpeg = File.ReadAllBytes(Path.Combine(PillowDecoderCaseTests.Directory(), "exif6.jpg"));
        var analysis = DesignAnalyzer.Analyze(jpeg);
        Assert.NotEqual(analysis.Header.Width, analysis.Header.Height);
        Assert.Equal((analysis.Header.Height, analysis.Header.Width), (analysis.Appearance.Width, analysis.Appearance.Height));
        using var thumbnail = new MagickImage(analysis.RenderThumbnail());
        Assert.True(thumbnail.Height > thumbnail.Width);
    }

    [Fact]
    public void Png_chunk_with_a_bad_checksum_is_corrupt()
    {
        byte[] png = PrintFile(64, 64, hidden: 0);
        png[png.Length - 20] ^= 0x55;   // inside the last IDAT chunk
        var ex = Assert.Throws<ImageRejectedException>(() => DesignAnalyzer.Analyze(png));
        Assert.Equal(ImageRejectionReason.Corrupt, ex.Reason);
    }

    [Theory]
    [InlineData(4500, 5400, 4096, 4096)]
    [InlineData(5400, 4500, 4096, 4096)]
    [InlineData(1023, 777, 512, 512)]
    [InlineData(640, 480, 256, 256)]
    [InlineData(333, 250, 32, 32)]
    [InlineData(100, 37, 9, 8)]
    [InlineData(17, 300, 16, 16)]
    [InlineData(8, 8, 32, 32)]
    [InlineData(50, 70, 50, 33)]
    [InlineData(70, 50, 33, 50)]
    public void Lanczos_resize_equals_a_plain_scalar_pillow_reference(int width, int height, int outWidth, int outHeight)
    {
        var random = new Random((width * 31) + height);
        var source = new byte[width * height];
        random.NextBytes(source);

        // Smooth areas and hard edges too, not only noise.
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width / 3; x++)
            {
                source[(y * width) + x] = (byte)((x + y) % 256);
            }
        }

        var mine = new byte[outWidth * outHeight];
        PillowLanczosResizer.Resize(source, width, height, mine, outWidth, outHeight);
        Assert.Equal(ReferenceResize(source, width, height, outWidth, outHeight), mine);
    }

    // Pillow 9.4 Resample.c for 8-bit L, written as plainly as possible (ALGORITHMS.md section 1.3).
    private static byte[] ReferenceResize(byte[] source, int width, int height, int outWidth, int outHeight)
    {
        byte[] horizontal = source;
        if (outWidth != width)
        {
            var (starts, weights) = Coefficients(width, outWidth);
            horizontal = new byte[outWidth * height];
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < outWidth; x++)
                {
                    int sum = 1 << 21;
                    for (int t = 0; t < weights[x].Length; t++)
                    {
                        sum += source[(y * width) + starts[x] + t] * weights[x][t];
                    }

                    horizontal[(y * outWidth) + x] = (byte)Math.Clamp(sum >> 22, 0, 255);
                }
            }
        }

        if (outHeight == height)
        {
            return horizontal;
        }

        var (rowStarts, rowWeights) = Coefficients(height, outHeight);
        var result = new byte[outWidth * outHeight];
        for (int y = 0; y < outHeight; y++)
        {
            for (int x = 0; x < outWidth; x++)
            {
                int sum = 1 << 21;
                for (int t = 0; t < rowWeights[y].Length; t++)
                {
                    sum += horizontal[((rowStarts[y] + t) * outWidth) + x] * rowWeights[y][t];
                }

                result[(y * outWidth) + x] = (byte)Math.Clamp(sum >> 22, 0, 255);
            }
        }

        return result;
    }

    private static (int[] Starts, int[][] Weights) Coefficients(int inSize, int outSize)
    {
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = 3.0 * filterScale;
        var starts = new int[outSize];
        var weights = new int[outSize][];
        for (int xx = 0; xx < outSize; xx++)
        {
            double center = (xx + 0.5) * scale;
            int xmin = Math.Max(0, (int)(center - support + 0.5));
            int xmax = Math.Min(inSize, (int)(center + support + 0.5));
            var w = new double[xmax - xmin];
            double total = 0;
            for (int x = 0; x < w.Length; x++)
            {
                w[x] = Lanczos(((x + xmin) - center + 0.5) / filterScale);
                total += w[x];
            }

            starts[xx] = xmin;
            weights[xx] = w.Select(v => total != 0 ? v / total : v)
                .Select(v => v < 0 ? (int)(-0.5 + (v * (1 << 22))) : (int)(0.5 + (v * (1 << 22)))).ToArray();
        }

        return (starts, weights);

        static double Lanczos(double x) => x >= -3 && x < 3 ? Sinc(x) * Sinc(x / 3) : 0;
        static double Sinc(double x) => x == 0 ? 1 : Math.Sin(x * Math.PI) / (x * Math.PI);
    }

    /// <summary>
    /// An RGBA PNG like a print file: transparent canvas (colour <paramref name="hidden"/> under alpha 0) with an
    /// opaque rectangle and a gradient band in the middle.
    /// </summary>
    internal static byte[] PrintFile(int width, int height, byte hidden)
    {
        using var raw = new MemoryStream();
        using (var z = new ZLibStream(raw, CompressionLevel.Fastest, leaveOpen: true))
        {
            var row = new byte[1 + (width * 4)];
            for (int y = 0; y < height; y++)
            {
                row.AsSpan().Clear();
                for (int x = 0; x < width; x++)
                {
                    Span<byte> px = row.AsSpan(1 + (x * 4), 4);
                    bool inside = x >= width / 4 && x < width * 3 / 4 && y >= height / 4 && y < height * 3 / 4;
                    bool band = y >= height / 8 && y < height / 5;
                    if (inside)
                    {
                        px[0] = 200;
                        px[1] = 40;
                        px[2] = 90;
                        px[3] = 255;
                    }
                    else if (band)
                    {
                        px[0] = (byte)(x * 255 / width);
                        px[1] = 128;
                        px[2] = (byte)(255 - (x * 255 / width));
                        px[3] = 255;
                    }
                    else
                    {
                        px[0] = px[1] = px[2] = hidden;
                    }
                }

                z.Write(row);
            }
        }

        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;
        ihdr[9] = 6;
        Chunk(png, "IHDR", ihdr);
        Chunk(png, "IDAT", raw.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        byte[] typeAndData = [.. System.Text.Encoding.ASCII.GetBytes(type), .. data];
        png.Write(typeAndData);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32.HashToUInt32(typeAndData));
        png.Write(crc);
    }
}
