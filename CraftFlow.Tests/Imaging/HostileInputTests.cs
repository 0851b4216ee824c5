using System.Buffers.Binary;
using System.IO.Compression;

using CraftFlow.Imaging;
using CraftFlow.Imaging.Decoding;

namespace CraftFlow.Tests.Imaging;

/// <summary>Malformed, truncated and oversized inputs end in <see cref="ImageRejectedException"/>, quickly.</summary>
public class HostileInputTests
{
    [Fact]
    public void Png_declaring_100000_by_100000_pixels_is_refused_before_decoding()
    {
        byte[] bomb = Png(100_000, 100_000, bitDepth: 8, colorType: 2, idatPayload: new byte[64]);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var ex = Assert.Throws<ImageRejectedException>(() => PerceptualHasher.Compute(new MemoryStream(bomb)));
        Assert.Equal(ImageRejectionReason.TooManyPixels, ex.Reason);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"took {started.Elapsed}");
    }

    [Fact]
    public void Sixteen_bit_png_bomb_is_refused_too()
    {
        byte[] bomb = Png(100_000, 100_000, bitDepth: 16, colorType: 0, idatPayload: new byte[64]);
        var ex = Assert.Throws<ImageRejectedException>(() => PerceptualHasher.Compute(new MemoryStream(bomb)));
        Assert.Equal(ImageRejectionReason.TooManyPixels, ex.Reason);
    }

    [Fact]
    public void Sixteen_bit_png_within_the_limit_but_without_data_fails_without_a_huge_buffer()
    {
        // 9000 x 9000 x RGBA16 would be 648 MB of samples; only the 81 MB gray output may be allocated.
        byte[] png = Png(9000, 9000, bitDepth: 16, colorType: 6, idatPayload: new byte[64]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<ImageRejectedException>(() => PerceptualHasher.Compute(new MemoryStream(png)));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(ImageRejectionReason.Corrupt, ex.Reason);
        Assert.True(allocated < 120_000_000, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public void Image_over_configured_pixel_limit_is_refused()
    {
        var options = new ImagingOptions { MaxPixels = 10_000 };
        byte[] file = File.ReadAllBytes(ImagehashFixtures.PathOf("images/img03_shapes_640x480.png"));
        var ex = Assert.Throws<ImageRejectedException>(() => PerceptualHasher.Compute(new MemoryStream(file), options));
        Assert.Equal(ImageRejectionReason.TooManyPixels, ex.Reason);
    }

    [Fact]
    public void File_over_configured_size_is_refused_even_from_an_unseekable_stream()
    {
        var options = new ImagingOptions { MaxFileBytes = 10_000 };
        byte[] file = File.ReadAllBytes(ImagehashFixtures.PathOf("images/img03_shapes_640x480_q90.jpg"));
        var seekable = Assert.Throws<ImageRejectedException>(() => PerceptualHasher.Compute(new MemoryStream(file), options));
        Assert.Equal(ImageRejectionReason.TooLarge, seekable.Reason);
        var unseekable = Assert.Throws<ImageRejectedException>(() => PerceptualHasher.Compute(new ForwardOnlyStream(file), options));
        Assert.Equal(ImageRejectionReason.TooLarge, unseekable.Reason);
    }

    [Theory]
    [InlineData("images/img03_shapes_640x480_q90.jpg")]
    [InlineData("images/img27_blobs_480x360_progressive_q90.jpg")]
    [InlineData("images/img03_shapes_640x480.png")]
    [InlineData("images/img03_shapes_640x480.gif")]
    [InlineData("images/img03_shapes_640x480_q80.webp")]
    [InlineData("images/img23_gray16_lowrange_128x96_I16.png")]
    public void Truncated_file_is_corrupt(string file)
    {
        byte[] whole = File.ReadAllBytes(ImagehashFixtures.PathOf(file));
        byte[] half = whole[..(whole.Length / 2)];
        var ex = Assert.Throws<ImageRejectedException>(() => PerceptualHasher.Compute(new MemoryStream(half)));
        Assert.Equal(ImageRejectionReason.Corrupt, ex.Reason);
    }

    [Theory]
    [InlineData("gray16_lzw.tif")]
    [InlineData("gray16_deflate.tif")]
    [InlineData("gray16.tif")]
    [InlineData("rgb16_be.tif")]
    [InlineData("cmyk.tif")]
    [InlineData("rgb555.bmp")]
    [InlineData("rgb565_topdown.bmp")]
    public void Truncated_or_damaged_file_for_our_own_decoders_is_rejected(string file)
    {
        byte[] whole = File.ReadAllBytes(Path.Combine(PillowDecoderCaseTests.Directory(), file));
        var truncated = Assert.Throws<ImageRejectedException>(() => PerceptualHasher.Compute(new MemoryStream(whole[..(whole.Length / 2)])));
        Assert.Equal(ImageRejectionReason.Corrupt, truncated.Reason);

        // Scribble over everything after the header: whatever the parser trips over must be a typed rejection.
        var random = new Random(file.Length);
        for (int attempt = 0; attempt < 20; attempt++)
        {
            byte[] damaged = (byte[])whole.Clone();
            for (int k = 0; k < 40; k++)
            {
                damaged[random.Next(8, damaged.Length)] = (byte)random.Next(256);
            }

            try
            {
                PerceptualHasher.Compute(new MemoryStream(damaged));
            }
            catch (ImageRejectedException)
            {
            }
        }
    }

    [Theory]
    [InlineData("images/img03_shapes_640x480_q90.jpg")]
    [InlineData("images/img03_shapes_640x480.png")]
    [InlineData("images/img03_shapes_640x480.bmp")]
    public void File_cut_inside_its_header_is_corrupt(string file)
    {
        byte[] whole = File.ReadAllBytes(ImagehashFixtures.PathOf(file));
        var ex = Assert.Throws<ImageRejectedException>(() => PerceptualHasher.Compute(new MemoryStream(whole[..20])));
        Assert.Equal(ImageRejectionReason.Corrupt, ex.Reason);
    }

    [Fact]
    public void Random_bytes_after_a_valid_signature_are_corrupt()
    {
        var random = new Random(42);
        foreach (byte[] signature in new[] { new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, [0xFF, 0xD8, 0xFF, 0xE0], "GIF89a"u8.ToArray(), "II*\0"u8.ToArray() })
        {
            byte[] data = new byte[4096];
            random.NextBytes(data);
            signature.CopyTo(data, 0);
            var ex = Assert.Throws<ImageRejectedException>(() => PerceptualHasher.Compute(new MemoryStream(data)));

            // Random header fields may also declare an enormous size, which is refused first.
            Assert.True(ex.Reason is ImageRejectionReason.Corrupt or ImageRejectionReason.TooManyPixels, $"{ex.Reason}: {ex.Message}");
        }
    }

    [Fact]
    public void Png_with_corrupt_compressed_data_is_corrupt()
    {
        var random = new Random(7);
        byte[] garbage = new byte[512];
        random.NextBytes(garbage);
        byte[] png = Png(64, 64, bitDepth: 8, colorType: 2, idatPayload: garbage, compress: false);
        var ex = Assert.Throws<ImageRejectedException>(() => PerceptualHasher.Compute(new MemoryStream(png)));
        Assert.Equal(ImageRejectionReason.Corrupt, ex.Reason);
    }

    [Theory]
    [InlineData("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>")]
    [InlineData("%!PS-Adobe-3.0\n")]
    [InlineData("plain text is not an image")]
    public void Other_formats_are_unsupported(string content)
    {
        var ex = Assert.Throws<ImageRejectedException>(() => PerceptualHasher.Compute(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content))));
        Assert.Equal(ImageRejectionReason.UnsupportedFormat, ex.Reason);
    }

    [Fact]
    public void Empty_file_is_corrupt()
    {
        var ex = Assert.Throws<ImageRejectedException>(() => PerceptualHasher.Compute(new MemoryStream()));
        Assert.Equal(ImageRejectionReason.Corrupt, ex.Reason);
    }

    [Fact]
    public void Jpeg_declaring_huge_dimensions_is_refused()
    {
        byte[] jpeg = File.ReadAllBytes(ImagehashFixtures.PathOf("images/img03_shapes_640x480_q90.jpg"));
        // Patch the SOF0/SOF2 frame header to 60000 x 60000.
        for (int i = 2; i < jpeg.Length - 9; i++)
        {
            if (jpeg[i] == 0xFF && (jpeg[i + 1] == 0xC0 || jpeg[i + 1] == 0xC2))
            {
                BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(i + 5), 60000);
                BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(i + 7), 60000);
                break;
            }
        }

        var ex = Assert.Throws<ImageRejectedException>(() => PerceptualHasher.Compute(new MemoryStream(jpeg)));
        Assert.Equal(ImageRejectionReason.TooManyPixels, ex.Reason);
    }

    internal static byte[] Png(int width, int height, byte bitDepth, byte colorType, byte[] idatPayload, bool compress = true)
    {
        using var ms = new MemoryStream();
        ms.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = bitDepth;
        ihdr[9] = colorType;
        WriteChunk(ms, "IHDR", ihdr);
        byte[] idat = idatPayload;
        if (compress)
        {
            using var z = new MemoryStream();
            using (var zlib = new ZLibStream(z, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                zlib.Write(idatPayload);
            }

            idat = z.ToArray();
        }

        WriteChunk(ms, "IDAT", idat);
        WriteChunk(ms, "IEND", []);
        return ms.ToArray();
    }

    private static void WriteChunk(Stream s, string type, byte[] data)
    {
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        s.Write(len);
        byte[] typeBytes = System.Text.Encoding.ASCII.GetBytes(type);
        s.Write(typeBytes);
        s.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(len, Crc32([.. typeBytes, .. data]));
        s.Write(len);
    }

    // PNG's CRC-32 (ISO 3309, reflected, polynomial 0xEDB88320).
    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
            }
        }

        return ~crc;
    }

    private sealed class ForwardOnlyStream(byte[] data) : Stream
    {
        private int position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = Math.Min(count, data.Length - position);
            Array.Copy(data, position, buffer, offset, n);
            position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
