namespace CraftFlow.Api.Designs;

public sealed class UploadOptions
{
    public const string SectionName = "Uploads";

    public int MaxFilesPerUpload { get; set; } = 50;

    public long MaxFileBytes { get; set; } = 25L * 1024 * 1024;

    public int DefaultPageSize { get; set; } = 50;

    public int MaxPageSize { get; set; } = 200;
}
