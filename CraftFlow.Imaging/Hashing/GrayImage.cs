using CraftFlow.Imaging.Decoding;

namespace CraftFlow.Imaging.Hashing;

/// <summary>
/// An 8-bit grayscale raster, row-major, no padding: the equivalent of Pillow's <c>image.convert('L')</c>,
/// which is where every hash of imagehash starts. The decoder's images live in native memory: dispose them
/// when the hashes are computed (an undisposed one is freed by its finalizer).
/// </summary>
public sealed class GrayImage : IDisposable
{
    private readonly byte[]? _array;
    private readonly NativeBuffer? _native;

    public GrayImage(int width, int height, byte[] pixels)
    {
        ValidateSize(width, height);
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.Length < (long)width * height)
        {
            throw new ArgumentException("The pixel buffer is smaller than width * height.", nameof(pixels));
        }

        Width = width;
        Height = height;
        _array = pixels;
    }

    private GrayImage(int width, int height, NativeBuffer pixels)
    {
        Width = width;
        Height = height;
        _native = pixels;
    }

    public int Width { get; }

    public int Height { get; }

    public ReadOnlySpan<byte> Span => Writable;

    internal Span<byte> Writable => _array is not null ? _array.AsSpan(0, Width * Height) : _native!.Span[..(Width * Height)];

    public void Dispose() => _native?.Dispose();

    /// <summary>An uninitialised image in native memory.</summary>
    internal static GrayImage Allocate(int width, int height)
    {
        ValidateSize(width, height);
        return new GrayImage(width, height, NativeBuffer.Allocate((long)width * height));
    }

    private static void ValidateSize(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
    }
}
