namespace CraftFlow.Imaging.Duplicates;

/// <summary>A stored design within the thresholds, with the Hamming distance of every hash.</summary>
public readonly record struct NearDuplicateMatch(Guid Id, int AverageDistance, int PerceptualDistance, int DifferenceDistance, int WaveletDistance);

/// <summary>
/// Exact byte duplicates (same SHA-256) and near duplicates, the latter ordered by perceptual then
/// difference distance, then by id for a stable order.
/// </summary>
public sealed record DuplicateSearchResult(IReadOnlyList<Guid> ExactDuplicates, IReadOnlyList<NearDuplicateMatch> NearDuplicates);
