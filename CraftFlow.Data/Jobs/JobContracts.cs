using System.Text.Json;

namespace CraftFlow.Data.Jobs;

/// <summary>
/// The jobs producers (the API) and the Worker's handlers agree on: kind, queue and payload shape in one
/// place, so the two processes cannot drift apart.
/// </summary>
public static class JobContracts
{
    private static readonly JsonSerializerOptions PayloadJson = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static T ReadPayload<T>(Job job)
        => JsonSerializer.Deserialize<T>(job.Payload, PayloadJson) ?? throw new JsonException($"Empty {job.Kind} payload.");

    private static string Write<T>(T payload) => JsonSerializer.Serialize(payload, PayloadJson);

    /// <summary>Up to <see cref="BatchSize"/> uploaded designs to decode, hash, thumbnail and judge for duplicates.</summary>
    public static class DesignBatch
    {
        public const string Kind = "process_design_batch";

        /// <summary>The seed guide's batch of 10 bounds the memory one job holds.</summary>
        public const int BatchSize = 10;

        public static IReadOnlyList<NewJob> Create(Guid userId, Guid? uploadBatchId, IEnumerable<Guid> designIds)
            => designIds.Chunk(BatchSize)
                .Select(chunk => new NewJob(JobQueues.ImageProcessing, Kind, Write(new Payload(uploadBatchId, chunk))) { UserId = userId })
                .ToList();

        /// <summary><c>{"upload_batch_id": "…", "design_ids": ["…", …]}</c></summary>
        public sealed record Payload(Guid? UploadBatchId, Guid[] DesignIds);
    }

    /// <summary>One mockup to render.</summary>
    public static class RenderMockup
    {
        public const string Kind = "render_mockup";

        public static NewJob Create(Guid userId, Guid mockupId)
            => new(JobQueues.MockupGeneration, Kind, Write(new Payload(mockupId))) { UserId = userId };

        /// <summary><c>{"mockup_id": "…"}</c></summary>
        public sealed record Payload(Guid MockupId);
    }
}
