namespace CraftFlow.Imaging;

/// <summary>Limits that keep hostile images from exhausting the process.</summary>
public sealed class ImagingOptions
{
    public const string SectionName = "Imaging";

    /// <summary>Shared defaults; treat as read-only.</summary>
    public static ImagingOptions Default { get; } = new();

    /// <summary>Images whose header declares more pixels than this are refused before decoding.</summary>
    public long MaxPixels { get; set; } = 100_000_000;

    /// <summary>Files larger than this are refused without being read to the end.</summary>
    public long MaxFileBytes { get; set; } = 50L * 1024 * 1024;

    /// <summary>Largest width or height ImageMagick may allocate (its <c>width</c>/<c>height</c> resource limits).</summary>
    public uint MaxDimension { get; set; } = 65_535;

    /// <summary>
    /// ImageMagick's pixel-cache memory limit. Above it ImageMagick would spill to disk, which the disk limit
    /// of 0 forbids, so an image that does not fit fails with a resource error instead of thrashing.
    /// Derive it from <c>MEMORY_LIMIT_MB</c> in the host.
    /// </summary>
    public ulong MagickMemoryLimitBytes { get; set; } = 2UL * 1024 * 1024 * 1024;

    /// <summary>
    /// Gives ImageMagick's pixel cache a share of the process budget (<c>MEMORY_LIMIT_MB</c>): by default a
    /// third, since the hash path also holds the file bytes and a grayscale copy, and a worker may run two
    /// jobs at once.
    /// </summary>
    public ImagingOptions WithProcessMemoryLimit(int memoryLimitMb, double magickShare = 1.0 / 3)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(memoryLimitMb);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(magickShare);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(magickShare, 1.0);
        MagickMemoryLimitBytes = (ulong)(memoryLimitMb * 1024.0 * 1024.0 * magickShare);
        return this;
    }
}
