using System.Runtime.CompilerServices;

namespace CraftFlow.Imaging.Duplicates;

/// <summary>
/// The centre of a design's ink (in pixels, a pixel x covering [x, x + 1)) and its standard deviation on each axis,
/// over the trimmed frame: where <see cref="ArtworkSignature"/> hashes the ink from.
/// </summary>
internal readonly record struct InkMoments(double CentreX, double CentreY, double SpreadX, double SpreadY)
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static InkMoments Of(VisibleArtwork artwork)
    {
        var ink = artwork.Ink;
        int width = artwork.Width;
        var (x0, y0, x1, y1) = artwork.Frame;
        double total = 0, sumX = 0, sumY = 0, sumXX = 0, sumYY = 0;
        for (int y = y0; y < y1; y++)
        {
            double row = 0, rowX = 0, rowXX = 0;
            for (int x = x0; x < x1; x++)
            {
                double w = ink[(y * width) + x];
                row += w;
                rowX += w * x;
                rowXX += w * x * (double)x;
            }

            total += row;
            sumX += rowX;
            sumXX += rowXX;
            sumY += row * y;
            sumYY += row * y * (double)y;
        }

        // The sums are over pixel indices; pixel x's centre is x + 0.5.
        double cx = sumX / total, cy = sumY / total;
        double sx = Math.Sqrt(Math.Max(1, (sumXX / total) - (cx * cx))), sy = Math.Sqrt(Math.Max(1, (sumYY / total) - (cy * cy)));
        return new InkMoments(cx + 0.5, cy + 0.5, sx, sy);
    }
}
