namespace CraftFlow.Data.Storage;

public enum StorageProvider
{
    FileSystem,
    Postgres,
}

/// <summary>The <c>Storage</c> section: STORAGE_PROVIDER and STORAGE_PATH.</summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    public StorageProvider Provider { get; set; } = StorageProvider.FileSystem;

    public string Path { get; set; } = ".craftflow/blobs";

    /// <summary>Chunk size of the postgres provider: large enough for few round trips, small enough to bound memory.</summary>
    public int ChunkBytes { get; set; } = 1024 * 1024;
}
