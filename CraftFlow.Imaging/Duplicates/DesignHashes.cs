namespace CraftFlow.Imaging.Duplicates;

/// <summary>The four 64-bit hashes stored per design (the <c>ahash</c>, <c>phash</c>, <c>dhash</c>, <c>whash</c> columns).</summary>
public readonly record struct DesignHashes(ulong Average, ulong Perceptual, ulong Difference, ulong Wavelet)
{
    public static DesignHashes From(ImageHashes hashes)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        return new DesignHashes(hashes.Average, hashes.Perceptual, hashes.Difference, hashes.Wavelet);
    }
}
