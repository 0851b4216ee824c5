namespace CraftFlow.Imaging.Duplicates;

/// <summary>How a design relates to an earlier one of the same seller (DESIGN.md §5a).</summary>
public enum DesignRelation
{
    /// <summary>The same file, byte for byte.</summary>
    Exact,

    /// <summary>The same design: another format, size, canvas, background, a small crop, a watermark, a brightness, a quarter turn.</summary>
    Duplicate,

    /// <summary>The same design mirrored.</summary>
    Mirrored,

    /// <summary>The same artwork in other colours: reported with the design it varies, not counted as a duplicate.</summary>
    ColourVariant,
}

public static class DesignRelations
{
    /// <summary>The stored and serialised name: <c>exact</c>, <c>duplicate</c>, <c>mirrored</c>, <c>colour_variant</c>.</summary>
    public static string ToName(this DesignRelation relation) => relation switch
    {
        DesignRelation.Exact => "exact",
        DesignRelation.Duplicate => "duplicate",
        DesignRelation.Mirrored => "mirrored",
        DesignRelation.ColourVariant => "colour_variant",
        _ => throw new ArgumentOutOfRangeException(nameof(relation), relation, null),
    };

    /// <summary>True for the relations that make a design a duplicate (its status); a colour variant is not one.</summary>
    public static bool IsDuplicate(this DesignRelation relation) => relation is not DesignRelation.ColourVariant;
}
