using System.Text.Json;
using System.Text.Json.Serialization;

namespace CraftFlow.Data.Jobs;

/// <summary>
/// The contract between the API (which enqueues, in the listing's transaction) and the Worker (which publishes):
/// an etsy_integration job that creates one listing's draft on Etsy and uploads its image.
/// </summary>
public static class PublishEtsyListingJob
{
    public const string Kind = "publish_etsy_listing";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The unique key keeps one pending or running job per listing.</summary>
    public static NewJob Create(Guid userId, Guid listingId)
        => new(JobQueues.EtsyIntegration, Kind, JsonSerializer.Serialize(new Payload(listingId), Json))
        {
            UserId = userId,
            UniqueKey = $"{Kind}:{listingId}",
        };

    public static Payload Read(string json)
        => JsonSerializer.Deserialize<Payload>(json, Json) ?? throw new JsonException($"Empty {Kind} payload.");

    /// <summary>The job's arguments: <c>{"listing_id": "…"}</c>.</summary>
    public sealed record Payload([property: JsonPropertyName("listing_id")] Guid ListingId);
}
