using CraftFlow.Data.Jobs;
using CraftFlow.Imaging;
using CraftFlow.Imaging.Decoding;
using CraftFlow.ServiceDefaults.Configuration;
using CraftFlow.Worker.Designs;
using CraftFlow.Worker.Mockups;

namespace CraftFlow.Worker;

public static class ImagingServiceExtensions
{
    /// <summary>
    /// The image jobs: design batches (hashes, thumbnail, duplicates) and mockup rendering. ImageMagick's memory
    /// limit and the budget of the analyses running at once derive from MEMORY_LIMIT_MB (<see cref="PlatformOptions"/>).
    /// </summary>
    public static IHostApplicationBuilder AddImageJobs(this IHostApplicationBuilder builder)
    {
        var memoryLimitMb = PlatformOptions.Read(builder.Configuration).MemoryLimitMb;
        var imaging = (builder.Configuration.GetSection(ImagingOptions.SectionName).Get<ImagingOptions>() ?? new ImagingOptions())
            .WithProcessMemoryLimit(memoryLimitMb);
        MagickResourceGuard.Apply(imaging);
        builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(imaging));
        builder.Services.AddSingleton(new AnalysisGate(imaging));

        builder.Services.AddSingleton<UserArtworkIndexCache>();
        builder.Services.AddSingleton<UserJudgementLock>();
        builder.AddDesignBatchProcessing<ImagingDesignProcessor>();
        builder.Services.AddSingleton<IJobHandler, RenderMockupHandler>();
        builder.Services.AddSingleton<IJobHandler, Handlers.CollectOrphanedBlobsHandler>();
        return builder;
    }
}
