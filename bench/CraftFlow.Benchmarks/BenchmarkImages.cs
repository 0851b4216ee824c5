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
}
