using System.Threading.RateLimiting;
using CraftFlow.Data.Entities;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.RateLimiting;

namespace CraftFlow.Api.Auth;

public static class AuthServiceExtensions
{
    public static IHostApplicationBuilder AddBearerTokenAuth(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
        builder.Services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName)
            .Validate(o => o.TokenLifetime > TimeSpan.Zero && o.AttemptsPerWindow > 0, "Auth settings must be positive.")
            .ValidateOnStart();

        builder.Services.AddScoped<TokenService>();
        builder.Services.AddSingleton<ITokenLookupCache, UncachedTokenLookup>();
        builder.Services.AddSingleton<IPasswordHasher<User>, PasswordHasher<User>>();
        builder.Services.AddAuthentication(BearerTokenHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerTokenHandler.SchemeName, null);
        builder.Services.AddAuthorization();

        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(AuthEndpoints.RateLimitPolicy, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = options.AttemptsPerWindow,
                    Window = options.AttemptWindow,
                    QueueLimit = 0,
                }));
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var problems = context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
                context.HttpContext.Response.Headers.RetryAfter = ((int)options.AttemptWindow.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await problems.WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails = { Status = 429, Title = "Too many attempts.", Detail = "Wait a minute before trying again." },
                });
            };
        });
        return builder;
    }
}
