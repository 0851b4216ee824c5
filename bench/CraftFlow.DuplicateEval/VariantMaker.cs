using ImageMagick;

namespace CraftFlow.DuplicateEval;

/// <summary>Makes the file of one variant kind from a base's decoded pixels.</summary>
public static class VariantMaker
{
    private const int PrintCanvasWidth = 1500;
    private const int PrintCanvasHeight = 1800;

    /// <summary>The file's bytes and its extension (".png" or ".jpg").</summary>
    public static (byte[] Bytes, string Extension) Make(string kind, Artwork artwork, Random random) => kind switch
    {
        VariantKinds.Reencode => (Png(artwork, compressionLevel: 1, filter: 0), ".png"),
        VariantKinds.Resize => (Png(Resized(artwork, Math.Max(1, artwork.Width / 2), Math.Max(1, artwork.Height / 2))), ".png"),
        VariantKinds.Brightness => (Png(Brightened(artwork, 1.15)), ".png"),
        VariantKinds.Watermark => (Png(Watermarked(artwork)), ".png"),
        VariantKinds.Crop => (Png(Cropped(artwork)), ".png"),
        VariantKinds.HiddenColour => (HiddenColour(artwork, random), ".png"),
        VariantKinds.Mirrored => (Png(Transformed(artwork, image => image.Flop())), ".png"),
        VariantKinds.FlattenedJpeg => (FlattenedJpeg(artwork), ".jpg"),
        VariantKinds.LargerCanvas => (Png(OnLargerCanvas(artwork)), ".png"),
        VariantKinds.Rotated => (Png(Transformed(artwork, image => image.Rotate(90))), ".png"),
        VariantKinds.PrintCanvas => (Png(OnPrintCanvas(artwork)), ".png"),
        VariantKinds.ColourVariant => (Png(HueRotated(artwork, 120)), ".png"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a variant kind."),
    };

    /// <summary>
    /// Always 8-bit RGBA (colour type 6): ImageMagick would otherwise pick a palette or grey type when it can, and
    /// those may not keep the colour under transparent pixels that <see cref="VariantKinds.HiddenColour"/> sets.
    /// </summary>
    private static byte[] Png(Artwork artwork, int compressionLevel = 6, int filter = 5)
    {
        using var image = artwork.ToMagick();
        image.Format = MagickFormat.Png;
        image.Settings.SetDefine(MagickFormat.Png, "color-type", "6");
        image.Settings.SetDefine(MagickFormat.Png, "bit-depth", "8");
        image.Settings.SetDefine(MagickFormat.Png, "compression-level", compressionLevel.ToString(System.Globalization.CultureInfo.InvariantCulture));
        image.Settings.SetDefine(MagickFormat.Png, "compression-filter", filter.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // No time stamps or other chunks that change from run to run: the same parameters give the same bytes.
        image.Settings.SetDefine(MagickFormat.Png, "exclude-chunks", "date,time");
        image.Strip();
        return image.ToByteArray();
    }

    private static Artwork Transformed(Artwork artwork, Action<MagickImage> transform)
    {
        using var image = artwork.ToMagick();
        transform(image);
        return Artwork.From(image);
    }

    private static Artwork Resized(Artwork artwork, int width, int height)
        => Transformed(artwork, image =>
        {
            image.FilterType = FilterType.Lanczos;
            image.Resize(new MagickGeometry((uint)width, (uint)height) { IgnoreAspectRatio = true });
        });

    private static Artwork Brightened(Artwork artwork, double factor)
    {
        var rgba = (byte[])artwork.Rgba.Clone();
        for (int i = 0; i < rgba.Length; i++)
        {
            if ((i & 3) != 3)
            {
                rgba[i] = (byte)Math.Min(255, (int)Math.Round(rgba[i] * factor));
            }
        }

        return new Artwork(artwork.Width, artwork.Height, rgba);
    }

    private static Artwork Cropped(Artwork artwork)
    {
        var bounds = Bounds(artwork);
        int left = bounds.X + (int)Math.Round(bounds.Width * 0.05);
        int top = bounds.Y + (int)Math.Round(bounds.Height * 0.05);
        return Region(artwork, left, top, artwork.Width - left, artwork.Height - top);
    }

    private static byte[] HiddenColour(Artwork artwork, Random random)
    {
        var rgba = (byte[])artwork.Rgba.Clone();
        var (r, g, b) = ((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
        for (int i = 0; i < rgba.Length; i += 4)
        {
            if (rgba[i + 3] == 0)
            {
                (rgba[i], rgba[i + 1], rgba[i + 2]) = (r, g, b);
            }
        }

        var bytes = Png(new Artwork(artwork.Width, artwork.Height, rgba));
        // The point of the kind is the hidden colour: make sure the encoder kept it rather than trust it.
        using var written = new MagickImage(bytes);
        var readBack = Artwork.From(written);
        if (!readBack.Rgba.AsSpan().SequenceEqual(rgba))
        {
            throw new InvalidOperationException("The PNG encoder did not keep the colour under transparent pixels.");
        }

        return bytes;
    }

    private static byte[] FlattenedJpeg(Artwork artwork)
    {
        var rgb = new byte[artwork.Width * artwork.Height * 3];
        for (int p = 0, i = 0; i < artwork.Rgba.Length; p += 3, i += 4)
        {
            int alpha = artwork.Rgba[i + 3];
            for (int c = 0; c < 3; c++)
            {
                rgb[p + c] = (byte)(((artwork.Rgba[i + c] * alpha) + (255 * (255 - alpha)) + 127) / 255);
            }
        }

        using var image = new MagickImage();
        image.ReadPixels(rgb, new PixelReadSettings((uint)artwork.Width, (uint)artwork.Height, StorageType.Char, PixelMapping.RGB));
        image.Format = MagickFormat.Jpeg;
        image.Quality = 85;
        image.Strip();
        return image.ToByteArray();
    }

    private static Artwork OnLargerCanvas(Artwork artwork)
    {
        int width = (int)Math.Round(artwork.Width * 1.6), height = (int)Math.Round(artwork.Height * 1.6);
        return Placed(artwork, width, height, (int)Math.Round(artwork.Width * 0.15), (int)Math.Round(artwork.Height * 0.45));
    }

    private static Artwork OnPrintCanvas(Artwork artwork)
    {
        var bounds = Bounds(artwork);
        double scale = Math.Min(PrintCanvasWidth * 0.9 / bounds.Width, PrintCanvasHeight * 0.9 / bounds.Height);
        var scaled = Resized(
            Region(artwork, bounds.X, bounds.Y, bounds.Width, bounds.Height),
            (int)Math.Round(bounds.Width * scale), (int)Math.Round(bounds.Height * scale));
        return Placed(scaled, PrintCanvasWidth, PrintCanvasHeight, (PrintCanvasWidth - scaled.Width) / 2, (PrintCanvasHeight - scaled.Height) / 2);
    }

    private static Artwork HueRotated(Artwork artwork, double degrees)
    {
        var rgba = (byte[])artwork.Rgba.Clone();
        for (int i = 0; i < rgba.Length; i += 4)
        {
            double r = rgba[i] / 255.0, g = rgba[i + 1] / 255.0, b = rgba[i + 2] / 255.0;
            double max = Math.Max(r, Math.Max(g, b)), min = Math.Min(r, Math.Min(g, b)), delta = max - min;
            if (delta == 0)
            {
                continue;
            }

            double hue = max == r ? (g - b) / delta : max == g ? 2 + ((b - r) / delta) : 4 + ((r - g) / delta);
            hue = (((hue * 60) + degrees) % 360 + 360) % 360;
            double saturation = delta / max, value = max;
            double chroma = value * saturation, x = chroma * (1 - Math.Abs(((hue / 60) % 2) - 1)), m = value - chroma;
            var (r1, g1, b1) = (int)(hue / 60) switch
            {
                0 => (chroma, x, 0.0),
                1 => (x, chroma, 0.0),
                2 => (0.0, chroma, x),
                3 => (0.0, x, chroma),
                4 => (x, 0.0, chroma),
                _ => (chroma, 0.0, x),
            };
            rgba[i] = (byte)Math.Round((r1 + m) * 255);
            rgba[i + 1] = (byte)Math.Round((g1 + m) * 255);
            rgba[i + 2] = (byte)Math.Round((b1 + m) * 255);
        }

        return new Artwork(artwork.Width, artwork.Height, rgba);
    }

    /// <summary>Block letters on a 5×7 grid, drawn in code so that the watermark is the same on every machine (no font lookup).</summary>
    private static readonly string[] ProofGlyphs =
    [
        "11110 11110 01110 01110 11111",
        "10001 10001 10001 10001 10000",
        "10001 10001 10001 10001 10000",
        "11110 11110 10001 10001 11110",
        "10000 10100 10001 10001 10000",
        "10000 10010 10001 10001 10000",
        "10000 10001 01110 01110 10000",
    ];

    private static Artwork Watermarked(Artwork artwork)
    {
        var bounds = Bounds(artwork);
        int columns = ProofGlyphs[0].Length, rows = ProofGlyphs.Length;
        // Cells sized so the text is 20 % of the artwork's height, narrowed if it would not fit 90 % of its width.
        int cell = Math.Max(1, Math.Min((int)Math.Round(bounds.Height * 0.2 / rows), (int)(bounds.Width * 0.9 / columns)));
        int left = bounds.X + ((bounds.Width - (columns * cell)) / 2), top = bounds.Y + ((bounds.Height - (rows * cell)) / 2);
        var rgba = (byte[])artwork.Rgba.Clone();
        for (int row = 0; row < rows; row++)
        {
            for (int column = 0; column < columns; column++)
            {
                if (ProofGlyphs[row][column] != '1')
                {
                    continue;
                }

                for (int y = top + (row * cell); y < top + ((row + 1) * cell); y++)
                {
                    for (int x = left + (column * cell); x < left + ((column + 1) * cell); x++)
                    {
                        BlendOver(rgba, ((y * artwork.Width) + x) * 4, grey: 128, alpha: 0.5);
                    }
                }
            }
        }

        return new Artwork(artwork.Width, artwork.Height, rgba);
    }

    /// <summary>Source-over of a grey of the given opacity onto one straight-alpha RGBA pixel.</summary>
    private static void BlendOver(byte[] rgba, int i, byte grey, double alpha)
    {
        double below = rgba[i + 3] / 255.0, result = alpha + (below * (1 - alpha));
        for (int c = 0; c < 3; c++)
        {
            rgba[i + c] = (byte)Math.Round(((grey * alpha) + (rgba[i + c] * below * (1 - alpha))) / result);
        }

        rgba[i + 3] = (byte)Math.Round(result * 255);
    }

    private static (int X, int Y, int Width, int Height) Bounds(Artwork artwork)
        => artwork.VisibleBounds() ?? throw new InvalidOperationException("The artwork has no visible pixels.");

    private static Artwork Region(Artwork artwork, int left, int top, int width, int height)
    {
        var rgba = new byte[width * height * 4];
        for (int y = 0; y < height; y++)
        {
            Array.Copy(artwork.Rgba, (((top + y) * artwork.Width) + left) * 4, rgba, y * width * 4, width * 4);
        }

        return new Artwork(width, height, rgba);
    }

    private static Artwork Placed(Artwork artwork, int canvasWidth, int canvasHeight, int left, int top)
    {
        var rgba = new byte[canvasWidth * canvasHeight * 4];
        for (int y = 0; y < artwork.Height; y++)
        {
            Array.Copy(artwork.Rgba, y * artwork.Width * 4, rgba, (((top + y) * canvasWidth) + left) * 4, artwork.Width * 4);
        }

        return new Artwork(canvasWidth, canvasHeight, rgba);
    }
}
