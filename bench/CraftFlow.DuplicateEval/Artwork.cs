using ImageMagick;

namespace CraftFlow.DuplicateEval;

/// <summary>An 8-bit RGBA pixel buffer: the variant kinds that must touch exact pixel values work on it directly.</summary>
public sealed class Artwork(int width, int height, byte[] rgba)
{
    public int Width { get; } = width;

    public int Height { get; } = height;

    public byte[] Rgba { get; } = rgba;

    public static Artwork Load(string path)
    {
        using var image = new MagickImage(path);
        return From(image);
    }

    public static Artwork From(MagickImage image)
    {
        // Palette, grey and grey+alpha PNGs all come out as RGBA; an image without alpha gets an opaque one.
        if (image.ColorSpace != ColorSpace.sRGB)
        {
            image.ColorSpace = ColorSpace.sRGB;
        }

        image.ColorType = ColorType.TrueColorAlpha;
        using var pixels = image.GetPixelsUnsafe();
        var rgba = pixels.ToByteArray(PixelMapping.RGBA)
            ?? throw new InvalidOperationException("ImageMagick returned no pixels.");
        return new Artwork((int)image.Width, (int)image.Height, rgba);
    }

    public MagickImage ToMagick()
    {
        var image = new MagickImage();
        image.ReadPixels(Rgba, new PixelReadSettings((uint)Width, (uint)Height, StorageType.Char, PixelMapping.RGBA));
        return image;
    }

    public byte Alpha(int x, int y) => Rgba[(((y * Width) + x) * 4) + 3];

    /// <summary>The smallest rectangle holding every pixel a person can see (alpha of at least <paramref name="minimumAlpha"/>).</summary>
    public (int X, int Y, int Width, int Height)? VisibleBounds(byte minimumAlpha = 32)
    {
        int left = Width, top = Height, right = -1, bottom = -1;
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                if (Alpha(x, y) >= minimumAlpha)
                {
                    left = Math.Min(left, x);
                    right = Math.Max(right, x);
                    top = Math.Min(top, y);
                    bottom = Math.Max(bottom, y);
                }
            }
        }

        return right < 0 ? null : (left, top, right - left + 1, bottom - top + 1);
    }

    /// <summary>Mean HSV saturation (0–1) of the visible pixels: how much colour there is to rotate.</summary>
    public double MeanVisibleSaturation()
    {
        double sum = 0;
        long count = 0;
        for (int i = 0; i < Rgba.Length; i += 4)
        {
            if (Rgba[i + 3] >= 128)
            {
                int max = Math.Max(Rgba[i], Math.Max(Rgba[i + 1], Rgba[i + 2]));
                int min = Math.Min(Rgba[i], Math.Min(Rgba[i + 1], Rgba[i + 2]));
                sum += max == 0 ? 0 : (max - min) / (double)max;
                count++;
            }
        }

        return count == 0 ? 0 : sum / count;
    }
}
