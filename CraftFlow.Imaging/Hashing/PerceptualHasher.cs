using System.Globalization;
using System.Numerics;

using CraftFlow.Imaging.Decoding;
using CraftFlow.Imaging.Hashing;

namespace CraftFlow.Imaging;

/// <summary>
/// imagehash 4.3.2's <c>average_hash</c>, <c>phash</c>, <c>dhash</c> and <c>whash</c> (Haar), bit for bit,
/// so hashes stored by the previous Python backend stay comparable. See
/// <c>shared/fixtures/imagehash/ALGORITHMS.md</c> for the specification each step follows.
/// Stateless and thread-safe.
/// </summary>
public static class PerceptualHasher
{
    /// <summary>Decodes an image (with the default limits) and computes its four 64-bit hashes.</summary>
    /// <exception cref="ImageRejectedException">The image is too large, corrupt or of an unsupported format.</exception>
    public static ImageHashes Compute(Stream stream) => Compute(stream, ImagingOptions.Default, HashComputationOptions.Default);

    public static ImageHashes Compute(Stream stream, ImagingOptions options, HashComputationOptions? hashOptions = null)
    {
        using var gray = ImageDecoder.DecodeGrayscale(stream, options);
        return Compute(gray, hashOptions);
    }

    /// <summary>Computes the hashes of an already decoded grayscale image.</summary>
    public static ImageHashes Compute(GrayImage image, HashComputationOptions? hashOptions = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        hashOptions ??= HashComputationOptions.Default;
        var hashes = new ImageHashes(AverageHash(image), PerceptualHash(image), DifferenceHash(image), WaveletHash(image));
        if (hashOptions.IncludeHashSize16)
        {
            hashes = hashes with
            {
                Average16 = AverageHash16(image),
                Perceptual16 = PerceptualHash16(image),
                Difference16 = DifferenceHash16(image),
            };
        }

        return hashes;
    }

    /// <summary>imagehash's <c>str(hash)</c> of a 64-bit hash: 16 lower-case hex digits, zero-padded.</summary>
    public static string ToHex(ulong hash) => hash.ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>Parses the 16-digit hex form (as stored by the previous backend).</summary>
    public static ulong ParseHex(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        if (hex.Length != 16)
        {
            throw new FormatException("A 64-bit hash has 16 hex digits.");
        }

        return ulong.Parse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
    }

    /// <summary>Hamming distance, imagehash's <c>hash1 - hash2</c>.</summary>
    public static int Distance(ulong a, ulong b) => BitOperations.PopCount(a ^ b);

    /// <summary><c>average_hash(image)</c>: 8×8 Lanczos reduction, bit = pixel &gt; mean.</summary>
    public static ulong AverageHash(GrayImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        Span<byte> p = stackalloc byte[64];
        PillowLanczosResizer.Resize(image.Span, image.Width, image.Height, p, 8, 8);
        Span<bool> bits = stackalloc bool[64];
        AverageBits(p, bits);
        return Pack64(bits);
    }

    /// <summary><c>phash(image)</c>: 32×32 reduction, 2-D DCT-II, top-left 8×8 (DC included), bit = coefficient &gt; median.</summary>
    public static ulong PerceptualHash(GrayImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        Span<bool> bits = stackalloc bool[64];
        PerceptualBits(image, 8, bits);
        return Pack64(bits);
    }

    /// <summary><c>dhash(image)</c>: 9 wide × 8 high reduction, bit = right neighbour strictly brighter.</summary>
    public static ulong DifferenceHash(GrayImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        Span<byte> p = stackalloc byte[72];
        PillowLanczosResizer.Resize(image.Span, image.Width, image.Height, p, 9, 8);
        Span<bool> bits = stackalloc bool[64];
        DifferenceBits(p, 8, bits);
        return Pack64(bits);
    }

    /// <summary>
    /// <c>whash(image)</c> with mode 'haar': square reduction to the largest power of two not above the
    /// shorter side (at least 8), mean removed by PyWavelets' round trip, Haar low band, bit = value &gt; median.
    /// </summary>
    public static ulong WaveletHash(GrayImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        const int hashSize = 8;
        int natural = 1 << BitOperations.Log2((uint)Math.Min(image.Width, image.Height));
        int scale = Math.Max(natural, hashSize);
        double[] low;
        if (scale == image.Width && scale == image.Height)
        {
            low = HaarWavelet.MeanRemovedLowBand(image.Span, scale, hashSize);
        }
        else
        {
            // Up to 16 MB (4096²): in native memory, freed at once, not kept by a pool.
            using var square = NativeBuffer.Allocate(scale * scale);
            PillowLanczosResizer.Resize(image.Span, image.Width, image.Height, square.Span, scale, scale);
            low = HaarWavelet.MeanRemovedLowBand(square.Span, scale, hashSize);
        }

        Span<bool> bits = stackalloc bool[64];
        AboveMedianBits(low, bits);
        return Pack64(bits);
    }

    public static Hash256 AverageHash16(GrayImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        Span<byte> p = stackalloc byte[256];
        PillowLanczosResizer.Resize(image.Span, image.Width, image.Height, p, 16, 16);
        Span<bool> bits = stackalloc bool[256];
        AverageBits(p, bits);
        return Hash256.FromBits(bits);
    }

    public static Hash256 PerceptualHash16(GrayImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        Span<bool> bits = stackalloc bool[256];
        PerceptualBits(image, 16, bits);
        return Hash256.FromBits(bits);
    }

    public static Hash256 DifferenceHash16(GrayImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        Span<byte> p = stackalloc byte[17 * 16];
        PillowLanczosResizer.Resize(image.Span, image.Width, image.Height, p, 17, 16);
        Span<bool> bits = stackalloc bool[256];
        DifferenceBits(p, 16, bits);
        return Hash256.FromBits(bits);
    }

    // numpy.mean over uint8 is sum / n in float64; "p > sum / n" equals the exact integer "p * n > sum".
    private static void AverageBits(ReadOnlySpan<byte> p, Span<bool> bits)
    {
        int sum = 0;
        foreach (byte v in p)
        {
            sum += v;
        }

        for (int i = 0; i < p.Length; i++)
        {
            bits[i] = p[i] * p.Length > sum;
        }
    }

    private static void DifferenceBits(ReadOnlySpan<byte> p, int hashSize, Span<bool> bits)
    {
        int width = hashSize + 1;
        for (int r = 0; r < hashSize; r++)
        {
            for (int c = 0; c < hashSize; c++)
            {
                bits[(r * hashSize) + c] = p[(r * width) + c + 1] > p[(r * width) + c];
            }
        }
    }

    private static void PerceptualBits(GrayImage image, int hashSize, Span<bool> bits)
    {
        int n = hashSize * 4;
        byte[] rented = System.Buffers.ArrayPool<byte>.Shared.Rent(n * n);
        try
        {
            Span<byte> p = rented.AsSpan(0, n * n);
            PillowLanczosResizer.Resize(image.Span, image.Width, image.Height, p, n, n);
            Span<double> low = stackalloc double[hashSize * hashSize];
            Dct.LowFrequencies(p, n, hashSize, low);
            Dct.SnapNearZero(low);
            AboveMedianBits(low, bits);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    // numpy.median of an even count is the mean of the two middle values; the comparison is strict.
    private static void AboveMedianBits(ReadOnlySpan<double> values, Span<bool> bits)
    {
        Span<double> sorted = stackalloc double[values.Length];
        values.CopyTo(sorted);
        sorted.Sort();
        int n = sorted.Length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
        for (int i = 0; i < n; i++)
        {
            bits[i] = values[i] > median;
        }
    }

    // Row-major, first element = most significant bit.
    private static ulong Pack64(ReadOnlySpan<bool> bits)
    {
        ulong hash = 0;
        for (int i = 0; i < 64; i++)
        {
            hash = (hash << 1) | (bits[i] ? 1UL : 0UL);
        }

        return hash;
    }
}
