namespace CraftFlow.Imaging.Rendering;

/// <summary>
/// Where a design goes on a mockup template, in pixels of the template as displayed (after its EXIF
/// orientation): the rectangle (before rotation) and a clockwise rotation in degrees about its centre.
/// </summary>
public sealed record PrintArea(int X, int Y, int Width, int Height, double RotationDegrees = 0)
{
    public void Validate(uint templateWidth, uint templateHeight)
    {
        if (Width <= 0 || Height <= 0)
        {
            throw new ArgumentException("The print area needs a positive width and height.");
        }

        if (X < 0 || Y < 0 || (long)X + Width > templateWidth || (long)Y + Height > templateHeight)
        {
            throw new ArgumentException($"The print area {X},{Y} {Width}x{Height} lies outside the {templateWidth}x{templateHeight} template.");
        }

        if (double.IsNaN(RotationDegrees) || double.IsInfinity(RotationDegrees))
        {
            throw new ArgumentException("The rotation must be a finite number of degrees.");
        }
    }
}
