using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CraftFlow.Data.Storage;

public static class StorageServiceExtensions
{
    /// <summary>Registers the blob store STORAGE_PROVIDER chooses (filesystem by default, postgres on Railway).</summary>
    public static IHostApplicationBuilder AddBlobStorage(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.SectionName)
            .Validate(o => !string.IsNullOrWhiteSpace(o.Path), "STORAGE_PATH must name a directory.")
            .Validate(o => o.ChunkBytes > 0, "Storage:ChunkBytes must be positive.")
            .ValidateOnStart();

        // The provider decides which store is registered, so it is read now.
        var provider = builder.Configuration.GetSection(StorageOptions.SectionName).Get<StorageOptions>()?.Provider ?? StorageProvider.FileSystem;
        if (provider == StorageProvider.Postgres)
        {
            builder.Services.AddSingleton<IBlobStore, PostgresBlobStore>();
        }
        else
        {
            builder.Services.AddSingleton<IBlobStore, FileSystemBlobStore>();
        }

        return builder;
    }
}
