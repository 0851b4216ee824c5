using CraftFlow.Api.Infrastructure;

namespace CraftFlow.Api.Admin;

/// <summary>
/// Admin routes answer anyone else, signed in or not, exactly as a route that does not exist: a bare 404
/// that the status-code pages turn into the same problem document. A 401 or 403 would tell a stranger
/// the route is there.
/// </summary>
public sealed class AdminOnlyFilter : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
        => context.HttpContext.User.IsAdmin() ? next(context) : ValueTask.FromResult<object?>(TypedResults.NotFound());
}
