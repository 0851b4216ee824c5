using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace CraftFlow.Etsy;

/// <summary>
/// The process's share of Etsy's per-app rate (about 10 requests per second): a token bucket that every attempt,
/// retries included, draws from. Requests over the rate wait their turn in order.
/// </summary>
public sealed class EtsyRateLimiter : IAsyncDisposable
{
    private const int QueueLimit = 1000;

    public EtsyRateLimiter(IOptions<EtsyOptions> options)
    {
        var perSecond = options.Value.RequestsPerSecond;
        Limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            // A burst of one second's worth, then one token every 1/rate seconds.
            TokenLimit = Math.Max(1, (int)Math.Round(perSecond)),
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1 / perSecond),
            QueueLimit = QueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }

    public RateLimiter Limiter { get; }

    public ValueTask DisposeAsync() => Limiter.DisposeAsync();
}

/// <summary>Holds each attempt until the <see cref="EtsyRateLimiter"/> lets it go; sits inside the resilience handler.</summary>
public sealed class EtsyRateLimitHandler(EtsyRateLimiter limiter) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var lease = await limiter.Limiter.AcquireAsync(1, cancellationToken);
        if (!lease.IsAcquired)
        {
            // The queue is full: answer as Etsy would, so the retry strategy backs off the same way.
            return new HttpResponseMessage(HttpStatusCode.TooManyRequests)
            {
                RequestMessage = request,
                Headers = { RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(1)) },
                Content = new StringContent("""{"error":"CraftFlow's client-side Etsy rate limit queue is full."}""", System.Text.Encoding.UTF8, "application/json"),
            };
        }

        return await base.SendAsync(request, cancellationToken);
    }
}
