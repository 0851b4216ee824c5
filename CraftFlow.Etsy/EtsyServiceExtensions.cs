using System.Net;
using CraftFlow.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace CraftFlow.Etsy;

public static class EtsyServiceExtensions
{
    /// <summary>Resilience settings that override the Etsy defaults below (HttpStandardResilienceOptions' shape).</summary>
    public const string ResilienceSectionName = EtsyOptions.SectionName + ":Http";

    /// <summary>
    /// The Etsy settings (checked at start-up), the Data Protection key ring in PostgreSQL, the secret protector and
    /// the typed <see cref="EtsyClient"/> with its rate limit and Etsy-tuned standard resilience handler.
    /// Missing keys do not fail start-up: <see cref="EtsyOptions.IsConfigured"/> is false and callers answer 503.
    /// The flat ETSY_* variables reach the <c>Etsy</c> section through AddServiceDefaults' variable mapping.
    /// </summary>
    public static IHostApplicationBuilder AddEtsyIntegration(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IValidateOptions<EtsyOptions>, EtsyOptionsValidator>();
        builder.Services.AddOptions<EtsyOptions>().BindConfiguration(EtsyOptions.SectionName).ValidateOnStart();

        // API and Worker read each other's ciphertext: one application name, one key ring in the shared database.
        builder.Services.AddDataProtection()
            .SetApplicationName(EtsySecretProtector.ApplicationName)
            .PersistKeysToDbContext<CraftFlowDbContext>();
        builder.Services.AddSingleton<EtsySecretProtector>();

        builder.Services.AddSingleton<EtsyRateLimiter>();
        builder.Services.AddTransient<EtsyRateLimitHandler>();
        var client = builder.Services.AddHttpClient<EtsyClient>((services, http) =>
            {
                var options = services.GetRequiredService<IOptions<EtsyOptions>>().Value;
                http.BaseAddress = new Uri(options.ApiBaseUrl);
                // The resilience handler's total timeout bounds each call; HttpClient's own must not cut it short.
                http.Timeout = Timeout.InfiniteTimeSpan;
                if (options.IsConfigured)
                {
                    http.DefaultRequestHeaders.TryAddWithoutValidation(EtsyClient.ApiKeyHeader, options.ApiKeyHeader);
                }
            })
            // This client brings its own resilience: the defaults' generic pipeline would retry POSTs that Etsy may
            // have carried out, and stack its retries on these.
            .ConfigureAdditionalHttpMessageHandlers((handlers, _) => handlers.Clear())
            .RedactLoggedHeaders(_ => true)
            // The Worker's job handlers are singletons that keep their client: connections are recycled instead
            // of handlers, so DNS changes are still seen.
            .UseSocketsHttpHandler((handler, _) => handler.PooledConnectionLifetime = TimeSpan.FromMinutes(2))
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);
        var resilience = client.AddStandardResilienceHandler(ConfigureResilience);
        if (builder.Configuration.GetSection(ResilienceSectionName) is { } overrides && overrides.Exists())
        {
            resilience.Configure(overrides);
        }

        // Inside the resilience handler, so every attempt, retries included, waits for the rate limit.
        client.AddHttpMessageHandler<EtsyRateLimitHandler>();
        return builder;
    }

    /// <summary>
    /// Etsy's tuning of the standard pipeline: retries with jitter on 5xx, 408 and 429 that honour Retry-After, but a
    /// POST only on 429 (Etsy refused it unread; after a 500 or a timeout the draft may exist, and the publishing job
    /// looks it up before creating another); a circuit breaker that opens on a few failures, since Etsy traffic is
    /// low; timeouts long enough for an image upload.
    /// </summary>
    private static void ConfigureResilience(HttpStandardResilienceOptions options)
    {
        options.Retry.MaxRetryAttempts = 3;
        options.Retry.BackoffType = DelayBackoffType.Exponential;
        options.Retry.UseJitter = true;
        options.Retry.Delay = TimeSpan.FromSeconds(1);
        options.Retry.ShouldRetryAfterHeader = true;
        options.Retry.ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, args.Context));
        options.AttemptTimeout.Timeout = TimeSpan.FromSeconds(30);
        options.TotalRequestTimeout.Timeout = TimeSpan.FromMinutes(2);
        options.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(60);
        options.CircuitBreaker.FailureRatio = 0.5;
        options.CircuitBreaker.MinimumThroughput = 10;
        options.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(30);
    }

    private static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, ResilienceContext context)
    {
        if (!HttpClientResiliencePredicates.IsTransient(outcome))
        {
            return false;
        }

        var method = context.GetRequestMessage()?.Method;
        return method is null || method == HttpMethod.Get || method == HttpMethod.Head
            || outcome.Result?.StatusCode == HttpStatusCode.TooManyRequests;
    }
}
