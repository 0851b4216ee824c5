using CraftFlow.Imaging.Decoding;
using CraftFlow.Imaging.Rendering;

using ImageMagick;

namespace CraftFlow.Tests.Imaging;

public class RenderingTests
{
    private const int Tolerance = 40;

    [Fact]
    public void Mockup_fits_design_centred_in_print_area()
    {
        byte[] template = Solid(MagickColors.White, 1000, 800, MagickFormat.Png);
        byte[] design = Solid(MagickColors.Red, 200, 100, MagickFormat.Png);

        // 400x400 area at (100,100): the 2:1 design becomes 400x200, rows 200..400.
        using var mockup = Load(MockupCompositor.Render(template, new PrintArea(100, 100, 400, 400), design));
        Assert.Equal(MagickFormat.Jpeg, mockup.Format);
        Assert.Equal((1000u, 800u), (mockup.Width, mockup.Height));
        AssertColor(mockup, 300, 300, 255, 0, 0);   // centre of the area: design
        AssertColor(mockup, 110, 210, 255, 0, 0);   // near the area's left edge, inside the design band
        AssertColor(mockup, 300, 150, 255, 255, 255); // inside the area, above the letterboxed design
        AssertColor(mockup, 300, 450, 255, 255, 255); // below it
        AssertColor(mockup, 50, 50, 255, 255, 255);  // outside the area
        AssertColor(mockup, 700, 300, 255, 255, 255);
    }

    [Fact]
    public void Mockup_rotates_design_with_the_print_area()
    {
        byte[] template = Solid(MagickColors.White, 1000, 800, MagickFormat.Jpeg);
        byte[] design = Solid(MagickColors.Red, 200, 100, MagickFormat.Png);

        // Rotated by 90 degrees the 400x200 design stands upright: columns 200..400, rows 100..500.
        using var mockup = Load(MockupCompositor.Render(template, new PrintArea(100, 100, 400, 400, 90), design));
        AssertColor(mockup, 300, 150, 255, 0, 0);
        AssertColor(mockup, 300, 480, 255, 0, 0);
        AssertColor(mockup, 150, 300, 255, 255, 255);
        AssertColor(mockup, 450, 300, 255, 255, 255);
    }

    [Fact]
    public void Mockup_rotated_45_degrees_leaves_the_corners_of_the_area_uncovered()
    {
        byte[] template = Solid(MagickColors.White, 600, 600, MagickFormat.Png);
        byte[] design = Solid(MagickColors.Red, 100, 100, MagickFormat.Png);

        // A 400x400 square turned 45° about (300,300): a diamond reaching (300±283, 300) and (300, 300±283).
        using var mockup = Load(MockupCompositor.Render(template, new PrintArea(100, 100, 400, 400, 45), design));
        AssertColor(mockup, 300, 300, 255, 0, 0);
        AssertColor(mockup, 300, 40, 255, 0, 0);    // top vertex region, outside the unrotated square
        AssertColor(mockup, 110, 110, 255, 255, 255); // corner of the unrotated square, now uncovered
        AssertColor(mockup, 490, 490, 255, 255, 255);
    }

    [Fact]
    public void Mockup_keeps_template_visible_under_transparent_design_pixels()
    {
        byte[] template = Solid(MagickColors.Blue, 400, 400, MagickFormat.Png);
        byte[] design = Solid(MagickColors.Transparent, 100, 100, MagickFormat.Png);
        using var mockup = Load(MockupCompositor.Render(template, new PrintArea(0, 0, 400, 400), design));
        AssertColor(mockup, 200, 200, 0, 0, 255);
    }

    [Fact]
    public void Print_area_outside_template_is_refused()
    {
        byte[] template = Solid(MagickColors.White, 100, 100, MagickFormat.Png);
        byte[] design = Solid(MagickColors.Red, 10, 10, MagickFormat.Png);
        Assert.Throws<ArgumentException>(() => MockupCompositor.Render(template, new PrintArea(50, 50, 100, 10), design));
    }

    [Fact]
    public void Thumbnail_is_webp_with_longest_side_400_and_no_metadata()
    {
        using var source = new MagickImage(MagickColors.Red, 1200, 600);
        source.SetProfile(new ExifProfile());
        source.SetAttribute("comment", "secret");
        byte[] png = source.ToByteArray(MagickFormat.Png);

        using var thumb = Load(ThumbnailRenderer.Render(png));
        Assert.Equal(MagickFormat.WebP, thumb.Format);
        Assert.Equal((400u, 200u), (thumb.Width, thumb.Height));
        Assert.Null(thumb.GetExifProfile());
        AssertColor(thumb, 200, 100, 255, 0, 0);
    }

    [Fact]
    public void Thumbnail_applies_exif_orientation_and_composites_alpha_on_white()
    {
        // Pillow-written JPEG, 160x120 stored, EXIF Orientation = 6 (display rotated 90° clockwise).
        byte[] jpeg = File.ReadAllBytes(Path.Combine(PillowDecoderCaseTests.Directory(), "exif6.jpg"));
        using (var thumb = Load(ThumbnailRenderer.Render(jpeg)))
        {
            Assert.Equal((120u, 160u), (thumb.Width, thumb.Height));
        }

        byte[] transparent = Solid(MagickColors.Transparent, 50, 50, MagickFormat.Png);
        using var flattened = Load(ThumbnailRenderer.Render(transparent));
        Assert.Equal((50u, 50u), (flattened.Width, flattened.Height));
        AssertColor(flattened, 25, 25, 255, 255, 255);
    }

    [Fact]
    public void Thumbnail_of_a_display_copy_composites_half_transparent_pixels_and_hides_the_colour_under_clear_ones()
    {
        // Left half: red at alpha 128 (about pink over white); right half: fully transparent with green hidden under it.
        const int Width = 900, Height = 300;
        var rgba = new byte[Width * Height * 4];
        for (int i = 0; i < Width * Height; i++)
        {
            bool left = i % Width < Width / 2;
            rgba[(i * 4) + (left ? 0 : 1)] = 255;
            rgba[(i * 4) + 3] = left ? (byte)128 : (byte)0;
        }

        using var thumb = Load(ThumbnailRenderer.Render(new RgbaImage(Width, Height, rgba)));
        Assert.Equal((400u, 133u), (thumb.Width, thumb.Height));
        AssertColor(thumb, 100, 66, 255, 127, 127);
        AssertColor(thumb, 300, 66, 255, 255, 255);
    }

    [Fact]
    public void Thumbnail_applies_an_embedded_cmyk_profile()
    {
        // Red becomes CMYK (0, 100 %, 100 %, 0); under US Web Coated SWOP that ink is about sRGB (237, 29, 38),
        // while the naive CMYK formula would give pure (255, 0, 0).
        using var cmyk = new MagickImage(MagickColors.Red, 40, 40);
        cmyk.ColorSpace = ColorSpace.CMYK;
        cmyk.SetProfile(ColorProfiles.USWebCoatedSWOP);
        byte[] jpeg = cmyk.ToByteArray(MagickFormat.Jpeg);

        using var thumb = Load(ThumbnailRenderer.Render(jpeg));
        using var pixels = thumb.GetPixels();
        var color = pixels.GetPixel(20, 20).ToColor()!;
        Assert.True(color.R is > 200 and < 250 && color.G is > 12 and < 60 && color.B is > 15 and < 70, $"({color.R},{color.G},{color.B})");
    }

    [Fact]
    public void Thumbnail_of_corrupt_input_is_rejected()
    {
        Assert.Throws<ImageRejectedException>(() => ThumbnailRenderer.Render([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]));
    }

    private static byte[] Solid(MagickColor color, uint width, uint height, MagickFormat format)
    {
        using var image = new MagickImage(color, width, height);
        return image.ToByteArray(format);
    }

    private static MagickImage Load(byte[] bytes) => new(bytes);

    private static void AssertColor(MagickImage image, int x, int y, int r, int g, int b)
    {
        using var pixels = image.GetPixels();
        var color = pixels.GetPixel(x, y).ToColor()!;
        Assert.True(
            Math.Abs(color.R - r) <= Tolerance && Math.Abs(color.G - g) <= Tolerance && Math.Abs(color.B - b) <= Tolerance,
            $"pixel ({x},{y}) is ({color.R},{color.G},{color.B}), expected about ({r},{g},{b})");
    }
}
