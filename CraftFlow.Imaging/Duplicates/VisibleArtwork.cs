using System.Runtime.CompilerServices;
using CraftFlow.Imaging.Decoding;

namespace CraftFlow.Imaging.Duplicates;

/// <summary>
/// What a person sees of a design, whatever it was saved on: the image composited onto paper, the background it was
/// flattened onto (a uniform colour reaching the canvas edge) removed, and per pixel its "ink", how far it stands out
/// from the paper. Ink is 255 minus the HSL lightness ((max + min) / 2 of R, G, B) on white paper: it keeps the artwork's
/// shapes through a recolouring that keeps saturation and lightness (a hue rotation, a channel swap), so the colours are
/// judged separately, and still tells a black symbol from the yellow sign it sits on. Artwork that is
/// white on transparency (for dark garments) would vanish on white paper and is read on black paper instead.
/// </summary>
internal sealed class VisibleArtwork
{
    // A pixel within this many levels (per channel) of the background colour belongs to the background: enough for
    // JPEG noise around a flattened design, too little to swallow a pastel.
    private const int BackgroundTolerance = 32;

    // Ink below this does not count: the antialiasing haze and JPEG ringing of a background, and a semi-transparent
    // watermark laid over a design (grey at 40 % opacity is about 55 on white). What is above is rescaled to 0–255.
    private const int InkFloor = 64;

    // The outer rows and columns holding this share of the ink are trimmed: a stray pixel or a small corner mark does
    // not move the artwork's frame.
    private const double MarginShare = 0.003;

    private VisibleArtwork(int width, int height, byte[] ink, byte[] rgb, (int X0, int Y0, int X1, int Y1) frame)
    {
        Width = width;
        Height = height;
        Ink = ink;
        Rgb = rgb;
        Frame = frame;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Ink per pixel, 0 for paper and background.</summary>
    public byte[] Ink { get; }

    /// <summary>The composited colour per pixel (R, G, B).</summary>
    public byte[] Rgb { get; }

    /// <summary>The artwork's bounding box (exclusive ends) after the margins are trimmed; empty for a blank design.</summary>
    public (int X0, int Y0, int X1, int Y1) Frame { get; }

    public bool IsBlank => Frame.X1 <= Frame.X0 || Frame.Y1 <= Frame.Y0;

    public static VisibleArtwork Find(RgbaImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var onWhite = Compose(image, whitePaper: true, out long whiteInk);
        long pixels = (long)image.Width * image.Height;
        if (whiteInk >= pixels * 255 / 1000 || !HasTransparency(image.Span))
        {
            return onWhite;
        }

        var onBlack = Compose(image, whitePaper: false, out long blackInk);
        return blackInk > whiteInk ? onBlack : onWhite;
    }

    private static bool HasTransparency(ReadOnlySpan<byte> rgba)
    {
        for (int i = 3; i < rgba.Length; i += 4)
        {
            if (rgba[i] < 255)
            {
                return true;
            }
        }

        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static VisibleArtwork Compose(RgbaImage image, bool whitePaper, out long totalInk)
    {
        int width = image.Width, height = image.Height, count = width * height;
        ReadOnlySpan<byte> rgba = image.Span;
        int paper = whitePaper ? 255 : 0;
        var rgb = new byte[count * 3];
        for (int i = 0, s = 0, o = 0; i < count; i++, s += 4, o += 3)
        {
            int a = rgba[s + 3];
            if (a == 255)
            {
                rgb[o] = rgba[s];
                rgb[o + 1] = rgba[s + 1];
                rgb[o + 2] = rgba[s + 2];
                continue;
            }

            rgb[o] = RgbaImage.OverPaper(rgba[s], a, paper);
            rgb[o + 1] = RgbaImage.OverPaper(rgba[s + 1], a, paper);
            rgb[o + 2] = RgbaImage.OverPaper(rgba[s + 2], a, paper);
        }

        var background = FloodBackground(rgb, width, height);
        var ink = new byte[count];
        totalInk = 0;
        for (int i = 0; i < count; i++)
        {
            if (background is not null && background[i])
            {
                rgb[i * 3] = rgb[(i * 3) + 1] = rgb[(i * 3) + 2] = (byte)paper;
                continue;
            }

            int r = rgb[i * 3], g = rgb[(i * 3) + 1], b = rgb[(i * 3) + 2];
            int lightness = (Math.Max(r, Math.Max(g, b)) + Math.Min(r, Math.Min(g, b))) / 2;
            int value = whitePaper ? 255 - lightness : lightness;
            if (value > InkFloor)
            {
                value = (value - InkFloor) * 255 / (255 - InkFloor);
                ink[i] = (byte)value;
                totalInk += value;
            }
        }

        return new VisibleArtwork(width, height, ink, rgb, TrimmedFrame(ink, width, height, totalInk));
    }

    /// <summary>
    /// The pixels connected to the canvas edge through colours near the edge's dominant colour, when at least 90 % of
    /// the edge has that colour (a design flattened onto a background, or transparency composited onto paper); null
    /// when the artwork itself fills the edge.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool[]? FloodBackground(byte[] rgb, int width, int height)
    {
        var edge = new List<int>((2 * width) + (2 * height));
        for (int x = 0; x < width; x++)
        {
            edge.Add(x);
            edge.Add(((height - 1) * width) + x);
        }

        for (int y = 1; y < height - 1; y++)
        {
            edge.Add(y * width);
            edge.Add((y * width) + width - 1);
        }

        Span<int> colour = stackalloc int[3];
        Span<int> histogram = stackalloc int[256];
        for (int c = 0; c < 3; c++)
        {
            histogram.Clear();
            foreach (int i in edge)
            {
                histogram[rgb[(i * 3) + c]]++;
            }

            int seen = 0, median = 0;
            while (median < 255 && (seen += histogram[median]) * 2 < edge.Count)
            {
                median++;
            }

            colour[c] = median;
        }

        int r0 = colour[0], g0 = colour[1], b0 = colour[2];
        bool Near(int i) =>
            Math.Abs(rgb[i * 3] - r0) <= BackgroundTolerance
            && Math.Abs(rgb[(i * 3) + 1] - g0) <= BackgroundTolerance
            && Math.Abs(rgb[(i * 3) + 2] - b0) <= BackgroundTolerance;

        if (edge.Count(Near) * 10 < edge.Count * 9)
        {
            return null;
        }

        var background = new bool[width * height];
        var pending = new Stack<int>();
        foreach (int i in edge.Where(Near))
        {
            if (!background[i])
            {
                background[i] = true;
                pending.Push(i);
            }
        }

        while (pending.TryPop(out int i))
        {
            int x = i % width, y = i / width;
            Visit(x > 0, i - 1);
            Visit(x < width - 1, i + 1);
            Visit(y > 0, i - width);
            Visit(y < height - 1, i + width);
        }

        return background;

        void Visit(bool inside, int j)
        {
            if (inside && !background[j] && Near(j))
            {
                background[j] = true;
                pending.Push(j);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (int, int, int, int) TrimmedFrame(byte[] ink, int width, int height, long totalInk)
    {
        if (totalInk == 0)
        {
            return (0, 0, 0, 0);
        }

        var columns = new long[width];
        var rows = new long[height];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int value = ink[(y * width) + x];
                columns[x] += value;
                rows[y] += value;
            }
        }

        long margin = (long)(totalInk * MarginShare);
        var (x0, x1) = Span(columns, margin);
        var (y0, y1) = Span(rows, margin);
        return (x0, y0, x1, y1);
    }

    private static (int Start, int End) Span(long[] sums, long margin)
    {
        int start = 0;
        for (long seen = 0; start < sums.Length - 1 && seen + sums[start] <= margin; start++)
        {
            seen += sums[start];
        }

        int end = sums.Length;
        for (long seen = 0; end > start + 1 && seen + sums[end - 1] <= margin; end--)
        {
            seen += sums[end - 1];
        }

        return (start, end);
    }
}
