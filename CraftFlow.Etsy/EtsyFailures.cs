using System.Net;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace CraftFlow.Etsy;

/// <summary>How a failed Etsy call is told apart and described to a seller, for the API and the Worker alike.</summary>
public static class EtsyFailures
{
    /// <summary>
    /// Etsy refused the request itself (a 4xx other than 401, 408 and 429): sending it again cannot succeed.
    /// </summary>
    public static bool IsRefusal(Exception e)
        => e is EtsyApiException { StatusCode: var status } && (int)status is >= 400 and < 500
            && status is not (HttpStatusCode.Unauthorized or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests);

    /// <summary>Failures that say nothing about the request: Etsy down, slow or rate limiting, or our circuit open.</summary>
    public static bool IsUnavailable(Exception e)
        => e is HttpRequestException or TimeoutRejectedException or BrokenCircuitException
            || (e is EtsyApiException etsy && !IsRefusal(etsy) && !etsy.IsUnauthorized);

    public static string Describe(Exception e) => e switch
    {
        EtsyApiException etsy => etsy.Message,
        BrokenCircuitException => "Calls to Etsy are paused after repeated failures (circuit open).",
        TimeoutRejectedException => "Etsy did not answer in time.",
        EtsyNotConfiguredException => e.Message,
        _ => "Etsy could not be reached.",
    };
}
