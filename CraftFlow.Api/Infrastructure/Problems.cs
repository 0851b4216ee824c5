namespace CraftFlow.Api.Infrastructure;

/// <summary>The problem responses the endpoints return, so each status has one wording.</summary>
public static class Problems
{
    public static ProblemHttpResult NotFound(string what)
        => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"{what} not found.");

    public static ProblemHttpResult Conflict(string detail)
        => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict.", detail: detail);

    public static ProblemHttpResult Unprocessable(string detail)
        => TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "The content could not be processed.", detail: detail);

    public static ValidationProblem Invalid(string field, string message)
        => TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });
}
