namespace CraftFlow.Imaging.Hashing;

/// <summary>
/// An 8-bit grayscale raster, row-major, no padding: the equivalent of Pillow's <c>image.convert('L')</c>,
/// which is where every hash of imagehash starts.
/// </summary>
public sealed class GrayImage
{
    public GrayImage(int width, int height, byte[] pixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.Length < (long)width * height)
        {
            throw new ArgumentException("The pixel buffer is smaller than width * height.", nameof(pixels));
        }

        Width = width;
        Height = height;
        Pixels = pixels;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Row-major pixels; may be longer than <c>Width * Height</c> when rented from a pool.</summary>
    public byte[] Pixels { get; }

    public ReadOnlySpan<byte> Span => Pixels.AsSpan(0, Width * Height);
}
