using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CraftFlow.Imaging.Hashing;

/// <summary>
/// Pillow 9.4's integer conversions to mode 'L' (Convert.c). The textbook float formula
/// 0.299R + 0.587G + 0.114B rounds differently for thousands of colours, so the integer form is used.
/// </summary>
public static class PillowGrayscale
{
    /// <summary>Pillow's <c>L24</c>: <c>(R*19595 + G*38470 + B*7471 + 0x8000) &gt;&gt; 16</c>.</summary>
    public static byte Luma(byte r, byte g, byte b) => (byte)(((r * 19595) + (g * 38470) + (b * 7471) + 0x8000) >> 16);

    /// <summary>
    /// Converts interleaved RGB(A…) pixels with <paramref name="channels"/> bytes per pixel; channels past
    /// the third (alpha) are ignored, as Pillow ignores alpha in <c>convert('L')</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FromInterleavedRgb(ReadOnlySpan<byte> source, int channels, Span<byte> gray)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 3);
        if (source.Length < gray.Length * channels)
        {
            throw new ArgumentException("The source is shorter than the destination needs.", nameof(source));
        }

        for (int i = 0, s = 0; i < gray.Length; i++, s += channels)
        {
            gray[i] = (byte)(((source[s] * 19595) + (source[s + 1] * 38470) + (source[s + 2] * 7471) + 0x8000) >> 16);
        }
    }

    /// <summary><see cref="FromInterleavedRgb"/> for RGBA rows, eight pixels per step where the CPU allows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FromRgba(ReadOnlySpan<byte> rgba, Span<byte> gray)
    {
        if (rgba.Length < gray.Length * 4)
        {
            throw new ArgumentException("The source is shorter than the destination needs.", nameof(rgba));
        }

        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ReadOnlySpan<uint> pixels = MemoryMarshal.Cast<byte, uint>(rgba[..(gray.Length * 4)]);
            ref uint p = ref MemoryMarshal.GetReference(pixels);
            ref byte g = ref MemoryMarshal.GetReference(gray);
            var mask = Vector256.Create(0xFFu);
            var rounding = Vector256.Create(0x8000u);
            for (; i <= gray.Length - 16; i += 16)
            {
                Vector256<uint> low = Luma(Vector256.LoadUnsafe(ref p, (nuint)i), mask, rounding);
                Vector256<uint> high = Luma(Vector256.LoadUnsafe(ref p, (nuint)(i + 8)), mask, rounding);
                Vector128<byte> bytes = Vector256.Narrow(Vector256.Narrow(low, high), Vector256<ushort>.Zero).GetLower();
                bytes.StoreUnsafe(ref g, (nuint)i);
            }
        }

        for (int s = i * 4; i < gray.Length; i++, s += 4)
        {
            gray[i] = (byte)(((rgba[s] * 19595) + (rgba[s + 1] * 38470) + (rgba[s + 2] * 7471) + 0x8000) >> 16);
        }
    }

    // Little-endian RGBA as one uint per pixel: R in the low byte.
    private static Vector256<uint> Luma(Vector256<uint> px, Vector256<uint> mask, Vector256<uint> rounding) =>
        (((px & mask) * 19595u) + (((px >> 8) & mask) * 38470u) + (((px >> 16) & mask) * 7471u) + rounding) >> 16;

    /// <summary>
    /// Pillow's <c>cmyk2rgb</c> followed by <c>L24</c>: Pillow has no direct CMYK→L converter and goes
    /// through RGB with <c>nk = 255 - K; R = clip(nk - MULDIV255(C, nk))</c>.
    /// </summary>
    public static void FromInterleavedCmyk(ReadOnlySpan<byte> source, Span<byte> gray)
    {
        if (source.Length < gray.Length * 4)
        {
            throw new ArgumentException("The source is shorter than the destination needs.", nameof(source));
        }

        for (int i = 0, s = 0; i < gray.Length; i++, s += 4)
        {
            int nk = 255 - source[s + 3];
            int r = CmykChannelToRgb(source[s], nk);
            int g = CmykChannelToRgb(source[s + 1], nk);
            int b = CmykChannelToRgb(source[s + 2], nk);
            gray[i] = (byte)(((r * 19595) + (g * 38470) + (b * 7471) + 0x8000) >> 16);
        }
    }

    /// <summary>
    /// <c>L24</c> over pixels with <paramref name="stride"/> bytes each and the colour channels at the given
    /// offsets (ImageMagick's pixel cache layout); other channels (alpha) are ignored.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FromChannelsRgb(ReadOnlySpan<byte> source, int stride, int red, int green, int blue, Span<byte> gray)
    {
        if (stride == 3 && red == 0 && green == 1 && blue == 2)
        {
            FromInterleavedRgb(source, 3, gray);
            return;
        }

        for (int i = 0, s = 0; i < gray.Length; i++, s += stride)
        {
            gray[i] = (byte)(((source[s + red] * 19595) + (source[s + green] * 38470) + (source[s + blue] * 7471) + 0x8000) >> 16);
        }
    }

    /// <summary><see cref="FromInterleavedCmyk"/> for an arbitrary channel layout.</summary>
    public static void FromChannelsCmyk(ReadOnlySpan<byte> source, int stride, int cyan, int magenta, int yellow, int black, Span<byte> gray)
    {
        for (int i = 0, s = 0; i < gray.Length; i++, s += stride)
        {
            int nk = 255 - source[s + black];
            int r = CmykChannelToRgb(source[s + cyan], nk);
            int g = CmykChannelToRgb(source[s + magenta], nk);
            int b = CmykChannelToRgb(source[s + yellow], nk);
            gray[i] = (byte)(((r * 19595) + (g * 38470) + (b * 7471) + 0x8000) >> 16);
        }
    }

    /// <summary>Copies one channel of each pixel (a gray image's value is already its L).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CopyChannel(ReadOnlySpan<byte> source, int stride, int channel, Span<byte> gray)
    {
        if (stride == 1)
        {
            source[..gray.Length].CopyTo(gray);
            return;
        }

        for (int i = 0, s = channel; i < gray.Length; i++, s += stride)
        {
            gray[i] = source[s];
        }
    }

    /// <summary>Pillow's <c>i2l</c> / <c>I16_L</c>: 16-bit samples are clamped to 0..255, not scaled.</summary>
    public static byte ClampSixteenBit(int value) => value >= 255 ? (byte)255 : value <= 0 ? (byte)0 : (byte)value;

    private static int CmykChannelToRgb(int channel, int nk)
    {
        int t = (channel * nk) + 128;
        int m = ((t >> 8) + t) >> 8;
        return Math.Clamp(nk - m, 0, 255);
    }
}
