using System.Runtime.CompilerServices;

namespace CraftFlow.Imaging.Duplicates;

/// <summary>
/// The centre of a design's ink and its standard deviation on each axis, as shares of the trimmed frame's width and
/// height: where <see cref="ArtworkSignature"/> hashes the ink from.
/// </summary>
internal readonly record struct InkMoments(float CentreX, float CentreY, float SpreadX, float SpreadY)
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

        // Pixel x covers [x, x + 1): its centre is x + 0.5.
        double cx = sumX / total, cy = sumY / total;
        double sx = Math.Sqrt(Math.Max(1, (sumXX / total) - (cx * cx))), sy = Math.Sqrt(Math.Max(1, (sumYY / total) - (cy * cy)));
        double w0 = x1 - x0, h0 = y1 - y0;
        return new InkMoments((float)((cx + 0.5 - x0) / w0), (float)((cy + 0.5 - y0) / h0), (float)(sx / w0), (float)(sy / h0));
    }
}
