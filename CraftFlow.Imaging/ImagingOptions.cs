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
    /// What the analyses running at once may hold together (each reserves
    /// <see cref="Analysis.DesignAnalyzer.PeakBytes"/> plus its file before it starts; one runs alone whatever its size).
    /// </summary>
    public long AnalysisMemoryBudgetBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>
    /// Derives the memory limits from the process budget (<c>MEMORY_LIMIT_MB</c>): ImageMagick's pixel cache gets
    /// a share (by default a third) and the analyses running at once half, leaving the rest to the runtime,
    /// the files being read and the other jobs.
    /// </summary>
    public ImagingOptions WithProcessMemoryLimit(int memoryLimitMb, double magickShare = 1.0 / 3)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(memoryLimitMb);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(magickShare);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(magickShare, 1.0);
        MagickMemoryLimitBytes = (ulong)(memoryLimitMb * 1024.0 * 1024.0 * magickShare);
        AnalysisMemoryBudgetBytes = (long)(memoryLimitMb * 1024.0 * 1024.0 / 2);
        return this;
    }
}
