using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

using ImageMagick;

namespace CraftFlow.Benchmarks;

/// <summary>Deterministic 1024×1024 test images (smooth shapes plus noise, like a photo-ish design).</summary>
internal static class BenchmarkImages
{
    public const int Size = 1024;

    public static byte[] Create(MagickFormat format, int seed = 1)
    {
        var random = new Random(seed);
        var rgb = new byte[Size * Size * 3];
        var blobs = Enumerable.Range(0, 24)
            .Select(_ => (X: random.Next(Size), Y: random.Next(Size), R: random.Next(40, 260), C: (random.Next(256), random.Next(256), random.Next(256))))
            .ToArray();
        for (int y = 0; y < Size; y++)
        {
            for (int x = 0; x < Size; x++)
            {
                int i = ((y * Size) + x) * 3;
                int r = (x * 255) / Size, g = (y * 255) / Size, b = ((x + y) * 127) / Size;
                foreach (var blob in blobs)
                {
                    int dx = x - blob.X, dy = y - blob.Y;
                    if ((dx * dx) + (dy * dy) < blob.R * blob.R)
                    {
                        (r, g, b) = blob.C;
                    }
                }

                int noise = random.Next(-12, 13);
                rgb[i] = (byte)Math.Clamp(r + noise, 0, 255);
                rgb[i + 1] = (byte)Math.Clamp(g + noise, 0, 255);
                rgb[i + 2] = (byte)Math.Clamp(b + noise, 0, 255);
            }
        }

        using var image = new MagickImage();
        image.ReadPixels(rgb, new PixelReadSettings(Size, Size, StorageType.Char, PixelMapping.RGB));
        image.Quality = 90;
        return image.ToByteArray(format);
    }

    /// <summary>
    /// A print file: 4500×5400 RGBA PNG, transparent canvas with shaded artwork covering its middle (gradients,
    /// rings and noise, so the filters and zlib have work like on real artwork).
    /// </summary>
    public static byte[] PrintFile(int width = 4500, int height = 5400)
    {
        var random = new Random(7);
        using var raw = new MemoryStream();
        using (var z = new ZLibStream(raw, CompressionLevel.Optimal, leaveOpen: true))
        {
            var row = new byte[1 + (width * 4)];
            var previous = new byte[width * 4];
            for (int y = 0; y < height; y++)
            {
                var line = new byte[width * 4];
                for (int x = 0; x < width; x++)
                {
                    double dx = (x - (width / 2.0)) / (width * 0.4), dy = (y - (height / 2.0)) / (height * 0.4);
                    double r = Math.Sqrt((dx * dx) + (dy * dy));
                    if (r < 1)
                    {
                        int i = x * 4;
                        line[i] = (byte)(128 + (127 * Math.Sin(r * 20)));
                        line[i + 1] = (byte)(x * 255 / width);
                        line[i + 2] = (byte)Math.Clamp((y * 255 / height) + random.Next(-8, 9), 0, 255);
                        line[i + 3] = (byte)(r > 0.95 ? 128 : 255);
                    }
                }

                // Paeth-free "Up" filter rows, like an encoder's choice on smooth artwork.
                row[0] = 2;
                for (int i = 0; i < line.Length; i++)
                {
                    row[i + 1] = (byte)(line[i] - previous[i]);
                }

                z.Write(row);
                previous = line;
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
        var header = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(header, data.Length);
        png.Write(header);
        byte[] typeAndData = [.. System.Text.Encoding.ASCII.GetBytes(type), .. data];
        png.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(header, Crc32.HashToUInt32(typeAndData));
        png.Write(header);
    }
}
