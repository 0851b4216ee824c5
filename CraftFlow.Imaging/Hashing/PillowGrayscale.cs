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

    /// <summary>Pillow's <c>i2l</c> / <c>I16_L</c>: 16-bit samples are clamped to 0..255, not scaled.</summary>
    public static byte ClampSixteenBit(int value) => value >= 255 ? (byte)255 : value <= 0 ? (byte)0 : (byte)value;

    private static int CmykChannelToRgb(int channel, int nk)
    {
        int t = (channel * nk) + 128;
        int m = ((t >> 8) + t) >> 8;
        return Math.Clamp(nk - m, 0, 255);
    }
}
