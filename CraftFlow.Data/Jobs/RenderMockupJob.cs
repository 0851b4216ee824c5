using System.Text.Json;
using System.Text.Json.Serialization;

namespace CraftFlow.Data.Jobs;

/// <summary>
/// The contract between the API (which enqueues, in the mockup's transaction) and the Worker (which renders):
/// a mockup_generation job for one mockup.
/// </summary>
public static class RenderMockupJob
{
    public const string Kind = "render_mockup";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static NewJob Create(Guid userId, Guid mockupId)
        => new(JobQueues.MockupGeneration, Kind, JsonSerializer.Serialize(new Payload(mockupId), Json)) { UserId = userId };

    public static Payload Read(string json)
        => JsonSerializer.Deserialize<Payload>(json, Json) ?? throw new JsonException($"Empty {Kind} payload.");

    /// <summary>The job's arguments: <c>{"mockup_id": "…"}</c>.</summary>
    public sealed record Payload([property: JsonPropertyName("mockup_id")] Guid MockupId);
}
