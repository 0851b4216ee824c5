namespace CraftFlow.Api.Designs;

public sealed class UploadOptions
{
    public const string SectionName = "Uploads";

    public int MaxFilesPerUpload { get; set; } = 50;

    public long MaxFileBytes { get; set; } = 25L * 1024 * 1024;

    /// <summary>A whole upload request, all files together (50 print files of 4500×5400 are about 100 MB).</summary>
    public long MaxUploadBytes { get; set; } = 256L * 1024 * 1024;

    public int DefaultPageSize { get; set; } = 50;

    public int MaxPageSize { get; set; } = 200;
}
