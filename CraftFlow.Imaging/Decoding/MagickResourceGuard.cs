using ImageMagick;

namespace CraftFlow.Imaging.Decoding;

/// <summary>
/// Applies ImageMagick's process-wide resource limits from <see cref="ImagingOptions"/>. They are the second
/// line of defence behind the header check in <see cref="ImageDecoder"/>: a coder that allocates more than
/// the header promised fails with a resource error instead of taking the host's memory or disk.
/// </summary>
public static class MagickResourceGuard
{
    private static readonly Lock Gate = new();
    private static (long MaxPixels, uint MaxDimension, ulong Memory)? applied;

    public static void Apply(ImagingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var wanted = (options.MaxPixels, options.MaxDimension, options.MagickMemoryLimitBytes);
        lock (Gate)
        {
            if (applied == wanted)
            {
                return;
            }

            ResourceLimits.Width = options.MaxDimension;
            ResourceLimits.Height = options.MaxDimension;

            // Area is per image in pixels; rendering may hold a rotated copy a little larger than the source.
            ResourceLimits.Area = (ulong)options.MaxPixels * 2;
            ResourceLimits.Memory = options.MagickMemoryLimitBytes;

            // No spilling of the pixel cache to temporary files: over the memory limit means failure.
            ResourceLimits.Disk = 0;

            // One thread per image: callers already run one image per core (the Worker's analyses, the API's
            // requests), and ImageMagick's OpenMP threads on top of that oversubscribe the cores and spin.
            ResourceLimits.Thread = 1;

            // No list-length limit: it is process-wide and would also cap legitimate multi-frame work
            // elsewhere; our reads ask for the first frame only (FrameCount = 1), and the coders stop there.
            applied = wanted;
        }
    }
}
