using CraftFlow.Api.Infrastructure;
using CraftFlow.Data;
using CraftFlow.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace CraftFlow.Api.Etsy;

public static class ConnectionEndpoints
{
    public const string DisconnectedReason = "Disconnected by the seller.";

    public static IEndpointRouteBuilder MapConnectionEndpoints(this IEndpointRouteBuilder app)
    {
        var connections = app.MapGroup("/api/connections").WithTags("Etsy").RequireAuthorization()
            .AddEndpointFilter<EtsyConfiguredFilter>();
        connections.MapGet("/", ListAsync);
        connections.MapPost("/etsy/authorize", AuthorizeAsync);
        // Etsy redirects the seller's browser here, without our bearer token: the stored state says whose it is.
        connections.MapGet("/etsy/callback", CallbackAsync).AllowAnonymous();
        connections.MapDelete("/{id:guid}", DeleteAsync);
        return app;
    }

    private static async Task<Ok<List<ConnectionResponse>>> ListAsync(
        ClaimsPrincipal principal, CraftFlowDbContext db, CancellationToken cancellationToken)
    {
        var userId = principal.UserId();
        var connections = await db.PlatformConnections.AsNoTracking()
            .Where(c => c.UserId == userId && c.DisconnectedAt == null)
            .OrderByDescending(c => c.CreatedAt)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(connections.Select(ConnectionResponse.From).ToList());
    }

    private static async Task<Ok<AuthorizeResponse>> AuthorizeAsync(
        ClaimsPrincipal principal, EtsyConnectService connect, CancellationToken cancellationToken)
        => TypedResults.Ok(await connect.AuthorizeAsync(principal.UserId(), cancellationToken));

    private static Task<Results<Ok<ConnectionResponse>, ProblemHttpResult>> CallbackAsync(
        EtsyConnectService connect,
        CancellationToken cancellationToken,
        string? code = null,
        string? state = null,
        string? error = null,
        [Microsoft.AspNetCore.Mvc.FromQuery(Name = "error_description")] string? errorDescription = null)
        => connect.CompleteAsync(code, state, error, errorDescription, cancellationToken);

    /// <summary>Erases the tokens; the row stays, since listings published through it refer to it.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        Guid id, ClaimsPrincipal principal, CraftFlowDbContext db, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var userId = principal.UserId();
        var now = timeProvider.GetUtcNow();
        // One statement: a token refresh holding the row waits, then finds it disconnected.
        var updated = await db.PlatformConnections
            .Where(c => c.Id == id && c.UserId == userId && c.DisconnectedAt == null)
            .ExecuteUpdateAsync(set => set
                .SetProperty(c => c.AccessTokenEncrypted, (string?)null)
                .SetProperty(c => c.RefreshTokenEncrypted, (string?)null)
                .SetProperty(c => c.TokenExpiresAt, (DateTimeOffset?)null)
                .SetProperty(c => c.IsActive, false)
                .SetProperty(c => c.InactiveReason, DisconnectedReason)
                .SetProperty(c => c.DisconnectedAt, now)
                .SetProperty(c => c.UpdatedAt, now), cancellationToken);
        return updated == 0 ? Problems.NotFound("Connection") : TypedResults.NoContent();
    }
}
