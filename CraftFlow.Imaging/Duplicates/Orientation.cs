namespace CraftFlow.Imaging.Duplicates;

/// <summary>
/// One of the eight ways a design can be turned over onto itself (the dihedral group of the square): optionally
/// transposed (rows become columns), then optionally flipped left-right and top-bottom. A design re-uploaded mirrored
/// or rotated by a quarter turn is one of these applied to the original.
/// </summary>
public readonly record struct Orientation(byte Value)
{
    private const byte TransposeBit = 1, FlipXBit = 2, FlipYBit = 4;

    public static Orientation Identity => default;

    public static IEnumerable<Orientation> All => Enumerable.Range(0, 8).Select(static v => new Orientation((byte)v));

    /// <summary>
    /// The orientations the judgement tries: as uploaded, mirrored left-right, and a quarter turn either way. An
    /// upside-down or diagonally flipped re-upload is not something sellers make, and trying those too would double the
    /// chance that two different symmetric designs (warning signs, badges) pass for one another.
    /// </summary>
    public static IReadOnlyList<Orientation> Judged { get; } = [Identity, new(FlipXBit), new(TransposeBit | FlipXBit), new(TransposeBit | FlipYBit)];

    public bool Transposes => (Value & TransposeBit) != 0;

    public bool FlipsX => (Value & FlipXBit) != 0;

    public bool FlipsY => (Value & FlipYBit) != 0;

    /// <summary>True for the four orientations that mirror the design (an odd number of reflections); the others rotate it.</summary>
    public bool Mirrors => ((Transposes ? 1 : 0) + (FlipsX ? 1 : 0) + (FlipsY ? 1 : 0)) % 2 == 1;

    /// <summary>Where the cell (x, y) of the turned-over <paramref name="size"/>² grid comes from in the original.</summary>
    public (int X, int Y) Source(int x, int y, int size)
    {
        int sx = FlipsX ? size - 1 - x : x;
        int sy = FlipsY ? size - 1 - y : y;
        return Transposes ? (sy, sx) : (sx, sy);
    }

    /// <summary>
    /// The DCT coefficient (vertical frequency <paramref name="v"/>, horizontal <paramref name="u"/>) of the turned-over
    /// image, from the original's <paramref name="coefficients"/> (row-major, <paramref name="stride"/> per row): a flip
    /// negates the odd frequencies along its axis, a transposition swaps the two frequencies.
    /// </summary>
    public double Coefficient(ReadOnlySpan<double> coefficients, int stride, int v, int u)
    {
        double c = Transposes ? coefficients[(u * stride) + v] : coefficients[(v * stride) + u];
        bool negate = (FlipsX && (u & 1) == 1) ^ (FlipsY && (v & 1) == 1);
        return negate ? -c : c;
    }

    public override string ToString() => Value switch
    {
        0 => "identity",
        1 => "transposed",
        2 => "mirrored left-right",
        3 => "rotated 90° clockwise",
        4 => "mirrored top-bottom",
        5 => "rotated 90° counter-clockwise",
        6 => "rotated 180°",
        _ => "anti-transposed",
    };
}
