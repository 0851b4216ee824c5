namespace CraftFlow.Tests;

public class SmokeTests
{
    [Fact]
    public void Imaging_defaults_refuse_more_than_100_megapixels()
    {
        Assert.Equal(100_000_000, new CraftFlow.Imaging.ImagingOptions().MaxPixels);
    }
}
