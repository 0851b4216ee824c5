using System.Runtime.InteropServices;

namespace CraftFlow.Imaging.Decoding;

/// <summary>
/// A large pixel buffer outside the GC heap, freed the moment its owner is done with it. A print file's
/// grayscale and resize buffers are tens of megabytes each: as managed arrays they would stay in the large
/// object heap until a full collection, and a pool would keep them for good; here they leave the process's
/// RSS when disposed (see <see cref="MallocTuning"/>).
/// </summary>
internal sealed unsafe class NativeBuffer : IDisposable
{
    private byte* _pointer;

    private NativeBuffer(byte* pointer, int length)
    {
        _pointer = pointer;
        Length = length;
    }

    ~NativeBuffer() => Free();

    public int Length { get; }

    public Span<byte> Span => _pointer is null ? throw new ObjectDisposedException(nameof(NativeBuffer)) : new Span<byte>(_pointer, Length);

    public static NativeBuffer Allocate(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Array.MaxLength);
        MallocTuning.EnsureApplied();
        return new NativeBuffer((byte*)NativeMemory.Alloc((nuint)length), (int)length);
    }

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private void Free()
    {
        byte* pointer = _pointer;
        _pointer = null;
        if (pointer is not null)
        {
            NativeMemory.Free(pointer);
        }
    }
}

/// <summary>
/// glibc serves blocks above its mmap threshold with their own mapping, which <c>free</c> returns to the system;
/// but it raises that threshold after each such free (up to 32 MB), after which same-sized blocks come from
/// heaps that keep their pages. Fixing the threshold at 1 MB keeps every pixel buffer (ours and ImageMagick's
/// pixel cache) in its own mapping, so RSS falls as soon as an image is done. Elsewhere this does nothing.
/// </summary>
internal static unsafe class MallocTuning
{
    private const int MmapThreshold = -3; // M_MMAP_THRESHOLD in glibc's malloc.h
    private static int applied;

    public static void EnsureApplied()
    {
        if (Interlocked.Exchange(ref applied, 1) == 1 || !OperatingSystem.IsLinux())
        {
            return;
        }

        if (NativeLibrary.TryLoad("libc.so.6", out var libc) && NativeLibrary.TryGetExport(libc, "mallopt", out var mallopt))
        {
            ((delegate* unmanaged<int, int, int>)mallopt)(MmapThreshold, 1024 * 1024);
        }
    }
}
