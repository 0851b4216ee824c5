using CraftFlow.Imaging.Decoding;

namespace CraftFlow.Tests.Duplicates;

/// <summary>
/// Test artwork: filled ellipses on transparency, drawn at any scale and offset on a canvas, flattened onto a colour,
/// with a colour hidden under the transparent pixels or with red and blue swapped; and the mirror and quarter turn
/// of an image.
/// </summary>
internal sealed record DrawnArtwork(IReadOnlyList<DrawnArtwork.Shape> Shapes)
{
    public static DrawnArtwork Random(Random random, int side, int shapes = 5)
        => new([.. Enumerable.Range(0, shapes).Select(_ => new Shape(
            random.Next(20, side - 20), random.Next(20, side - 20), random.Next(8, 40), random.Next(8, 40),
            ((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256))))]);

    public RgbaImage Draw(
        int width, int height, double scale = 1, int offsetX = 0, int offsetY = 0, (byte, byte, byte)? flattenOnto = null,
        (byte R, byte G, byte B) hidden = default, bool swapRedBlue = false)
    {
        var pixels = new byte[width * height * 4];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int i = ((y * width) + x) * 4;
                (pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]) = flattenOnto is var (r, g, b) ? (r, g, b, (byte)255) : (hidden.R, hidden.G, hidden.B, (byte)0);
                double fx = (x - offsetX) / scale, fy = (y - offsetY) / scale;
                foreach (var shape in Shapes)
                {
                    double dx = (fx - shape.X) / shape.RadiusX, dy = (fy - shape.Y) / shape.RadiusY;
                    if ((dx * dx) + (dy * dy) <= 1)
                    {
                        var c = shape.Colour;
                        (pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]) = swapRedBlue ? (c.B, c.G, c.R, (byte)255) : (c.R, c.G, c.B, (byte)255);
                    }
                }
            }
        }

        return new RgbaImage(width, height, pixels);
    }

    public static RgbaImage Mirror(RgbaImage image) => Remap(image, image.Width, image.Height, (x, y) => (image.Width - 1 - x, y));

    public static RgbaImage Rotate(RgbaImage image) => Remap(image, image.Height, image.Width, (x, y) => (y, image.Height - 1 - x));

    private static RgbaImage Remap(RgbaImage image, int width, int height, Func<int, int, (int X, int Y)> source)
    {
        var pixels = new byte[width * height * 4];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                var (sx, sy) = source(x, y);
                image.Span.Slice(((sy * image.Width) + sx) * 4, 4).CopyTo(pixels.AsSpan(((y * width) + x) * 4));
            }
        }

        return new RgbaImage(width, height, pixels);
    }

    public sealed record Shape(int X, int Y, int RadiusX, int RadiusY, (byte R, byte G, byte B) Colour);
}
