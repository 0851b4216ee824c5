using CraftFlow.Imaging.Decoding;

using ImageMagick;

namespace CraftFlow.Imaging.Rendering;

/// <summary>
/// Product mockups: the design is scaled to fit the template's print area with its aspect ratio kept,
/// centred in it, rotated with the area, composited over the template (design transparency respected),
/// and the result is flattened onto white and encoded as JPEG without metadata.
/// </summary>
public static class MockupCompositor
{
    public static byte[] Render(byte[] templateBytes, PrintArea printArea, byte[] designBytes, ImagingOptions? options = null, int quality = 90)
    {
        ArgumentNullException.ThrowIfNull(printArea);
        using var template = ImageDecoder.DecodeForRendering(templateBytes, options);
        using var design = ImageDecoder.DecodeForRendering(designBytes, options);
        printArea.Validate(template.Width, template.Height);
        try
        {
            (uint fitWidth, uint fitHeight) = FitInside(design.Width, design.Height, printArea.Width, printArea.Height);
            design.Resize(new MagickGeometry(fitWidth, fitHeight) { IgnoreAspectRatio = true });

            double centreX = printArea.X + (printArea.Width / 2.0);
            double centreY = printArea.Y + (printArea.Height / 2.0);
            if (printArea.RotationDegrees % 360 != 0)
            {
                // Rotation grows the canvas to the rotated bounding box; the corners it adds are transparent.
                design.Alpha(AlphaAction.Set);
                design.BackgroundColor = MagickColors.Transparent;
                design.Rotate(printArea.RotationDegrees);
                design.Page = new MagickGeometry(0, 0, design.Width, design.Height);
            }

            int left = (int)Math.Round(centreX - (design.Width / 2.0));
            int top = (int)Math.Round(centreY - (design.Height / 2.0));
            template.Composite(design, left, top, CompositeOperator.Over);

            ThumbnailRenderer.FlattenOnto(template, MagickColors.White);
            template.Strip();
            template.Format = MagickFormat.Jpeg;
            template.Quality = (uint)quality;
            return template.ToByteArray();
        }
        catch (MagickException ex)
        {
            throw new ImageRejectedException(ImageRejectionReason.Corrupt, "The mockup could not be rendered.", ex);
        }
    }

    /// <summary>The largest size with the design's aspect ratio inside the area (at least 1×1).</summary>
    public static (uint Width, uint Height) FitInside(uint designWidth, uint designHeight, int areaWidth, int areaHeight)
    {
        double scale = Math.Min((double)areaWidth / designWidth, (double)areaHeight / designHeight);
        uint width = (uint)Math.Clamp(Math.Round(designWidth * scale), 1, areaWidth);
        uint height = (uint)Math.Clamp(Math.Round(designHeight * scale), 1, areaHeight);
        return (width, height);
    }
}
