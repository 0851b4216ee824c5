namespace CraftFlow.Imaging.Duplicates;

/// <summary>
/// A signature about to be judged against many stored designs (<see cref="DuplicateJudge"/>): its ink, turned into
/// each orientation and reduced for the comparison, is prepared once for all candidates, and so are the trimmed
/// reductions the crop search meets again and again. One thread at a time; its memory goes with it.
/// </summary>
public sealed class ArtworkQuery(ArtworkSignature signature)
{
    // Per orientation, trimmed reductions kept (12 KB each): the search's first trials are the same for every candidate.
    private const int TrimmedReductionsKept = 64;

    private readonly InkComparison.PreparedInk?[] _inks = new InkComparison.PreparedInk?[8];
    private byte[]? _ink;

    public ArtworkSignature Signature { get; } = signature ?? throw new ArgumentNullException(nameof(signature));

    internal InkComparison.PreparedInk Ink(Orientation orientation)
        => _inks[orientation.Value] ??= new InkComparison.PreparedInk(Turn(_ink ??= Signature.Ink(), orientation), TrimmedReductionsKept);

    private static byte[] Turn(byte[] ink, Orientation orientation)
    {
        if (orientation == Orientation.Identity)
        {
            return ink;
        }

        const int side = ArtworkSignature.InkSide;
        var turned = new byte[side * side];
        for (int y = 0; y < side; y++)
        {
            for (int x = 0; x < side; x++)
            {
                var (sx, sy) = orientation.Source(x, y, side);
                turned[(y * side) + x] = ink[(sy * side) + sx];
            }
        }

        return turned;
    }
}
