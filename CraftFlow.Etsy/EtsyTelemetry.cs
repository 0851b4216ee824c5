using System.Diagnostics;

namespace CraftFlow.Etsy;

/// <summary>
/// A span per logical Etsy operation (a call and its retries), under the "CraftFlow" source that ServiceDefaults
/// exports; HttpClient's own spans, one per attempt, nest under it. The name is repeated, not shared, because this
/// library does not reference ServiceDefaults (as in CraftFlow.Data's JobTelemetry).
/// </summary>
internal static class EtsyTelemetry
{
    public const string SourceName = "CraftFlow";

    public static readonly ActivitySource ActivitySource = new(SourceName);

    public static Activity? Start(string operation, long? shopId = null, long? listingId = null)
    {
        var activity = ActivitySource.StartActivity($"etsy {operation}", ActivityKind.Internal);
        if (activity is not null)
        {
            activity.SetTag("etsy.operation", operation);
            if (shopId is not null)
            {
                activity.SetTag("etsy.shop_id", shopId);
            }

            if (listingId is not null)
            {
                activity.SetTag("etsy.listing_id", listingId);
            }
        }

        return activity;
    }
}
