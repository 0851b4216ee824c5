namespace CraftFlow.Imaging.Duplicates;

/// <summary>How per-hash thresholds combine into one decision.</summary>
public enum ThresholdCombination
{
    /// <summary>A design matches when any enabled hash is within its threshold (higher recall).</summary>
    Any,

    /// <summary>A design matches only when every enabled hash is within its threshold.</summary>
    All,
}

/// <summary>
/// Maximum Hamming distances (inclusive) at which a stored design counts as a near duplicate; a null
/// threshold leaves that hash out of the decision (its distance is still reported).
/// </summary>
/// <remarks>
/// Defaults come from the imagehash fixtures (shared/fixtures/imagehash/pairs.json: 4 families × 6
/// near-duplicate variants — resize50, jpeg50, bright110, crop2, watermark, gray — and 50 unrelated pairs):
/// <list type="bullet">
/// <item>phash: near duplicates 0..6 bits, except base08 (a flat 64×64 icon) + watermark at 12; unrelated ≥ 22.</item>
/// <item>dhash: near duplicates 0..6 bits (base08 + watermark: 4); unrelated ≥ 23.</item>
/// <item>average_hash: near up to 18 (base08 crop2), unrelated down to 12 — overlapping, so off by default.</item>
/// <item>whash_haar: near up to 8, unrelated down to 12 — too narrow a gap, off by default.</item>
/// <item>rot90 / flipH are not near duplicates for any hash (phash 28..36, dhash 18..34).</item>
/// </list>
/// phash ≤ 10 or dhash ≤ 10 catches every near-duplicate variant (base08 + watermark through dhash) and
/// stays 12 bits below the closest unrelated pair for each hash.
/// </remarks>
public sealed record DuplicateThresholds
{
    public static DuplicateThresholds Default { get; } = new();

    public int? Average { get; init; }

    public int? Perceptual { get; init; } = 10;

    public int? Difference { get; init; } = 10;

    public int? Wavelet { get; init; }

    public ThresholdCombination Combination { get; init; } = ThresholdCombination.Any;

    internal bool HasAny => Average is not null || Perceptual is not null || Difference is not null || Wavelet is not null;
}
