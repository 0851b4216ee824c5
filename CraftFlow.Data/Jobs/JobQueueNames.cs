namespace CraftFlow.Data.Jobs;

/// <summary>The queues of DESIGN.md section 6.</summary>
public static class JobQueueNames
{
    public const string ImageProcessing = "image_processing";
    public const string MockupGeneration = "mockup_generation";
    public const string EtsyIntegration = "etsy_integration";
    public const string Maintenance = "maintenance";
}
