namespace CraftFlow.Imaging;

/// <summary>Limits that keep hostile images from exhausting the process.</summary>
public sealed class ImagingOptions
{
    public const string SectionName = "Imaging";

    public long MaxPixels { get; set; } = 100_000_000;

    public long MaxFileBytes { get; set; } = 50L * 1024 * 1024;
}
