namespace CraftFlow.DuplicateEval;

/// <summary>
/// The edits a seller's re-upload of the same design goes through. Each one is still the same design to a person
/// (DESIGN.md §5a), so the detector should flag it as a duplicate of its base.
/// </summary>
public static class VariantKinds
{
    /// <summary>Decoded and written again as an 8-bit RGBA PNG with zlib level 1 and no row filter: other bytes, the same pixels.</summary>
    public const string Reencode = "reencode";

    /// <summary>Half the width and height, Lanczos.</summary>
    public const string Resize = "resize";

    /// <summary>Every R, G and B value times 1.15 (clamped at 255); alpha unchanged.</summary>
    public const string Brightness = "brightness";

    /// <summary>"PROOF" in 50 % opaque mid-grey block letters, 20 % of the artwork's height, across its middle.</summary>
    public const string Watermark = "watermark";

    /// <summary>5 % of the visible artwork's width cut from its left and 5 % of its height from its top.</summary>
    public const string Crop = "crop";

    /// <summary>The colour under fully transparent pixels replaced by one random colour; the visible pixels unchanged.</summary>
    public const string HiddenColour = "hidden_colour";

    /// <summary>Flipped left to right.</summary>
    public const string Mirrored = "mirrored";

    /// <summary>Composited onto white and saved as a JPEG of quality 85.</summary>
    public const string FlattenedJpeg = "flattened_jpeg";

    /// <summary>The same pixels on a transparent canvas 1.6 times as wide and high, 15 % of the width from the left and 45 % of the height from the top.</summary>
    public const string LargerCanvas = "larger_canvas";

    /// <summary>Turned 90° clockwise.</summary>
    public const string Rotated = "rotated";

    /// <summary>The visible artwork scaled up (Lanczos) to fill 90 % of a transparent 1500×1800 canvas (the 4500×5400 print size's proportion), centred.</summary>
    public const string PrintCanvas = "print_canvas";

    /// <summary>
    /// Hue turned by 120° in HSV with saturation and value kept: the same artwork in other colours. Not a duplicate:
    /// the detector should report it as a colour variant of its base. Made only for bases with enough colour.
    /// </summary>
    public const string ColourVariant = "colour_variant";

    public static IReadOnlyList<string> Duplicates { get; } =
        [Reencode, Resize, Brightness, Watermark, Crop, HiddenColour, Mirrored, FlattenedJpeg, LargerCanvas, Rotated, PrintCanvas];

    /// <summary>A base gets a colour variant when the mean HSV saturation of its visible pixels is at least this (0–1); hue turns nothing on grey.</summary>
    public const double ColourVariantMinimumSaturation = 0.25;

    /// <summary>The relation the API should report for a variant of this kind.</summary>
    public static string ExpectedRelation(string kind) => kind switch
    {
        Mirrored => Relations.Mirrored,
        ColourVariant => Relations.ColourVariant,
        _ => Relations.Duplicate,
    };
}

/// <summary>The API's <c>relation</c> values (DESIGN.md §5a).</summary>
public static class Relations
{
    public const string Exact = "exact";
    public const string Duplicate = "duplicate";
    public const string Mirrored = "mirrored";
    public const string ColourVariant = "colour_variant";

    /// <summary>The relations that make a design a duplicate (status "duplicate"); a colour variant is only reported.</summary>
    public static bool IsFlagged(string? relation) => relation is Exact or Duplicate or Mirrored;
}
