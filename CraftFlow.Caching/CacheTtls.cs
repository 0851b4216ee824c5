namespace CraftFlow.Caching;

/// <summary>How long each kind of cached read lives (DESIGN.md section 4).</summary>
public static class CacheTtls
{
    public static readonly TimeSpan DesignList = TimeSpan.FromSeconds(300);

    public static readonly TimeSpan Design = TimeSpan.FromSeconds(600);

    public static readonly TimeSpan TemplateList = TimeSpan.FromSeconds(600);

    public static readonly TimeSpan Template = TimeSpan.FromSeconds(1800);

    public static readonly TimeSpan UserToken = TimeSpan.FromSeconds(900);

    public static readonly TimeSpan MockupList = TimeSpan.FromSeconds(300);

    public static readonly TimeSpan Mockup = TimeSpan.FromSeconds(600);
}
