using System.Runtime.CompilerServices;

using ImageMagick;

namespace CraftFlow.Imaging.Decoding;

/// <summary>
/// What a design looks like, as 8-bit sRGB RGBA (not premultiplied), row-major, no padding, EXIF orientation
/// applied: the input of the duplicate detector. It may be a reduced copy of the decoded file (any reduction
/// that averages areas, keeping the longest side at least <see cref="MinimumLongestSide"/> when the source was
/// that large), so one decode can feed the imagehash-compatible hashes, the detector and the thumbnail.
/// </summary>
public sealed class RgbaImage
{
    /// <summary>A reduced copy keeps at least this many pixels on its longest side.</summary>
    public const int MinimumLongestSide = 512;

    public RgbaImage(int width, int height, byte[] pixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.Length < (long)width * height * 4)
        {
            throw new ArgumentException("The pixel buffer is smaller than width * height * 4.", nameof(pixels));
        }

        Width = width;
        Height = height;
        Pixels = pixels;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>R, G, B, A per pixel; may be longer than <c>Width * Height * 4</c> when rented from a pool.</summary>
    public byte[] Pixels { get; }

    public ReadOnlySpan<byte> Span => Pixels.AsSpan(0, Width * Height * 4);

    /// <summary>One channel of a straight-alpha pixel laid over paper of that channel's value <paramref name="paper"/>, rounded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static byte OverPaper(int colour, int alpha, int paper) => (byte)(((colour * alpha) + (paper * (255 - alpha)) + 127) / 255);

    /// <summary>This image as a viewer shows it under the EXIF <paramref name="orientation"/> (1–8).</summary>
    internal RgbaImage Oriented(int orientation)
    {
        if (orientation is <= ExifOrientation.Normal or > 8)
        {
            return this;
        }

        bool swap = ExifOrientation.SwapsAxes(orientation);
        int width = swap ? Height : Width, height = swap ? Width : Height;
        var target = new byte[width * height * 4];
        ReadOnlySpan<uint> source = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(Span);
        Span<uint> pixels = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(target.AsSpan());
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                var (sx, sy) = ExifOrientation.Source(orientation, x, y, Width, Height);
                pixels[(y * width) + x] = source[(sy * Width) + sx];
            }
        }

        return new RgbaImage(width, height, target);
    }

    /// <summary>Decodes a file behind the limits (first frame, orientation applied, sRGB) at full size.</summary>
    public static RgbaImage Decode(byte[] data, ImagingOptions? options = null)
    {
        using var image = ImageDecoder.DecodeForRendering(data, options);
        return FromMagick(image);
    }

    internal static RgbaImage FromMagick(MagickImage image)
    {
        using var pixels = image.GetPixelsUnsafe();
        var rgba = pixels.ToByteArray(PixelMapping.RGBA)
            ?? throw new ImageRejectedException(ImageRejectionReason.Corrupt, "The decoder returned no pixels.");
        return new RgbaImage((int)image.Width, (int)image.Height, rgba);
    }
}
