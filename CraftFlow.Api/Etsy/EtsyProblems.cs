using CraftFlow.Etsy;
using Microsoft.Extensions.Options;

namespace CraftFlow.Api.Etsy;

/// <summary>The Etsy routes' problem responses, one wording each.</summary>
public static class EtsyProblems
{
    public static ProblemHttpResult NotConfigured(IReadOnlyList<string> missing) => TypedResults.Problem(
        statusCode: StatusCodes.Status503ServiceUnavailable,
        title: "Etsy is not configured on this server.",
        detail: $"The Etsy routes are disabled until {string.Join(", ", missing)} {(missing.Count == 1 ? "is" : "are")} set.");

    public static ProblemHttpResult BadCallback(string detail) => TypedResults.Problem(
        statusCode: StatusCodes.Status400BadRequest, title: "The Etsy authorization could not be completed.", detail: detail);

    public static ProblemHttpResult EtsyUnavailable(string detail) => TypedResults.Problem(
        statusCode: StatusCodes.Status502BadGateway, title: "Etsy could not be reached.", detail: detail);
}

/// <summary>Answers 503 on every Etsy route while the keys are missing, instead of failing at start-up.</summary>
public sealed class EtsyConfiguredFilter(IOptions<EtsyOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
        => options.Value.IsConfigured ? await next(context) : EtsyProblems.NotConfigured(options.Value.MissingSettings);
}
