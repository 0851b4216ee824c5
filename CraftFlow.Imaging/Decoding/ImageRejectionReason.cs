namespace CraftFlow.Imaging.Decoding;

/// <summary>Why an uploaded image was refused.</summary>
public enum ImageRejectionReason
{
    /// <summary>The file is larger than <see cref="ImagingOptions.MaxFileBytes"/>.</summary>
    TooLarge,

    /// <summary>The header declares more pixels than <see cref="ImagingOptions.MaxPixels"/> (or a dimension over the limit).</summary>
    TooManyPixels,

    /// <summary>The file is malformed or truncated.</summary>
    Corrupt,

    /// <summary>Not one of JPEG, PNG, WebP, GIF, BMP, TIFF.</summary>
    UnsupportedFormat,
}
