using System.Text.Json;
using System.Text.Json.Serialization;

namespace CraftFlow.Data.Jobs;

/// <summary>
/// The contract between the API (which enqueues, in the upload's transaction) and the Worker (which runs it):
/// an image_processing job for up to <see cref="BatchSize"/> designs of one upload.
/// </summary>
public static class ProcessDesignBatchJob
{
    public const string Kind = "process_design_batch";
    public const int BatchSize = 10;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The upload's designs in groups of <see cref="BatchSize"/>, ready for <see cref="JobQueue.EnqueueManyAsync(CraftFlowDbContext, IReadOnlyList{NewJob}, CancellationToken)"/>.</summary>
    public static IReadOnlyList<NewJob> Create(Guid userId, Guid? uploadBatchId, IEnumerable<Guid> designIds)
        => designIds.Chunk(BatchSize)
            .Select(chunk => new NewJob(JobQueues.ImageProcessing, Kind, JsonSerializer.Serialize(new Payload(uploadBatchId, chunk), Json))
            {
                UserId = userId,
            })
            .ToList();

    public static Payload Read(string json)
        => JsonSerializer.Deserialize<Payload>(json, Json) ?? throw new JsonException($"Empty {Kind} payload.");

    /// <summary>The job's arguments: <c>{"upload_batch_id": "…", "design_ids": ["…", …]}</c>.</summary>
    public sealed record Payload(
        [property: JsonPropertyName("upload_batch_id")] Guid? UploadBatchId,
        [property: JsonPropertyName("design_ids")] Guid[] DesignIds);
}
