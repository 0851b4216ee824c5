namespace CraftFlow.Imaging.Duplicates;

/// <summary>sRGB (D65) to CIELAB, where distances follow what a viewer sees as a colour difference.</summary>
internal static class CieLab
{
    public static (double L, double A, double B) FromSrgb(double red, double green, double blue)
    {
        double r = Linear(red), g = Linear(green), b = Linear(blue);
        double x = ((0.4124564 * r) + (0.3575761 * g) + (0.1804375 * b)) / 0.95047;
        double y = (0.2126729 * r) + (0.7151522 * g) + (0.0721750 * b);
        double z = ((0.0193339 * r) + (0.1191920 * g) + (0.9503041 * b)) / 1.08883;
        double fx = F(x), fy = F(y), fz = F(z);
        return ((116 * fy) - 16, 500 * (fx - fy), 200 * (fy - fz));
    }

    private static double Linear(double channel)
    {
        double c = channel / 255;
        return c <= 0.04045 ? c / 12.92 : Math.Pow((c + 0.055) / 1.055, 2.4);
    }

    private static double F(double t) => t > 216.0 / 24389 ? Math.Cbrt(t) : ((24389.0 / 27 * t) + 16) / 116;
}
