using CraftFlow.Imaging.Hashing;

namespace CraftFlow.Imaging;

/// <summary>
/// The perceptual hashes of one image at hash size 8, as 64-bit values whose hex form
/// (<see cref="PerceptualHasher.ToHex"/>) equals imagehash's <c>str(hash)</c>.
/// The 256-bit (hash size 16) variants are present only when requested.
/// </summary>
public sealed record ImageHashes(ulong Average, ulong Perceptual, ulong Difference, ulong Wavelet)
{
    public Hash256? Average16 { get; init; }

    public Hash256? Perceptual16 { get; init; }

    public Hash256? Difference16 { get; init; }
}
