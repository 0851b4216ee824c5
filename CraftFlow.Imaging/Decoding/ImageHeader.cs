namespace CraftFlow.Imaging.Decoding;

/// <summary>What the header of an accepted image declares, read without decoding its pixels.</summary>
public sealed record ImageHeader(ImageContainerFormat Format, int Width, int Height)
{
    public long PixelCount => (long)Width * Height;
}
