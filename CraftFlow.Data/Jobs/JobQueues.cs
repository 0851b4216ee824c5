namespace CraftFlow.Data.Jobs;

/// <summary>The queues of DESIGN.md section 6, named once so producers and the Worker cannot drift apart.</summary>
public static class JobQueues
{
    public const string ImageProcessing = "image_processing";
    public const string MockupGeneration = "mockup_generation";
    public const string EtsyIntegration = "etsy_integration";
    public const string Maintenance = "maintenance";

    public static IReadOnlyList<string> All { get; } = [ImageProcessing, MockupGeneration, EtsyIntegration, Maintenance];
}
