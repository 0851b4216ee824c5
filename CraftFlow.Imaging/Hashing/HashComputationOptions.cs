namespace CraftFlow.Imaging.Hashing;

/// <summary>What <see cref="PerceptualHasher"/> computes besides the four 64-bit hashes.</summary>
public sealed record HashComputationOptions
{
    public static HashComputationOptions Default { get; } = new();

    /// <summary>Also compute average, perceptual and difference hashes at hash size 16 (256 bits).</summary>
    public bool IncludeHashSize16 { get; init; }
}
