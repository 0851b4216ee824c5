using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CraftFlow.Data.Storage;

public static class StorageServiceExtensions
{
    /// <summary>Registers the blob store STORAGE_PROVIDER chooses (filesystem by default, postgres on Railway).</summary>
    public static IHostApplicationBuilder AddBlobStorage(this IHostApplicationBuilder builder)
    {
        var provider = builder.Configuration["STORAGE_PROVIDER"] ?? "filesystem";
        var options = new StorageOptions
        {
            Provider = provider.ToLowerInvariant() switch
            {
                "filesystem" => StorageProvider.FileSystem,
                "postgres" => StorageProvider.Postgres,
                _ => throw new InvalidOperationException($"STORAGE_PROVIDER must be 'filesystem' or 'postgres', got '{provider}'."),
            },
            Path = builder.Configuration["STORAGE_PATH"] is { Length: > 0 } path ? path : ".craftflow/blobs",
        };
        builder.Services.AddOptions<StorageOptions>().Configure(o =>
        {
            o.Provider = options.Provider;
            o.Path = options.Path;
        });

        if (options.Provider == StorageProvider.Postgres)
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
