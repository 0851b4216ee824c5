using CraftFlow.Api.Infrastructure;
using CraftFlow.Data;
using CraftFlow.Data.Entities;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CraftFlow.Api.Auth;

public static partial class AuthEndpoints
{
    public const string RateLimitPolicy = "auth";

    public static IEndpointRouteBuilder MapAuthEndpoints(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Auth");
        auth.MapPost("/register", RegisterAsync).RequireRateLimiting(RateLimitPolicy).AllowAnonymous();
        auth.MapPost("/login", LoginAsync).RequireRateLimiting(RateLimitPolicy).AllowAnonymous();
        auth.MapGet("/tokens", ListTokensAsync).RequireAuthorization();
        auth.MapPost("/tokens", CreateTokenAsync).RequireAuthorization();
        auth.MapDelete("/tokens/{id:guid}", RevokeTokenAsync).RequireAuthorization();

        app.MapGet("/api/me", GetMeAsync).WithTags("Auth").RequireAuthorization();
        return app;
    }

    public sealed record LoginResponse(UserResponse User, TokenResponse Token);

    private static async Task<Results<Created<LoginResponse>, ValidationProblem, ProblemHttpResult>> RegisterAsync(
        RegisterRequest request, CraftFlowDbContext db, TokenService tokens, IPasswordHasher<User> hasher,
        IOptions<AuthOptions> options, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var email = NormaliseEmail(request.Email);
        var validation = new Validation()
            .Require(email is { Length: <= 320 } && email.IndexOf('@', StringComparison.Ordinal) > 0 && !email.EndsWith('@'), "email", "A valid email address is required.")
            .Require(request.Password is { } p && p.Length >= options.Value.MinPasswordLength && p.Length <= 200, "password",
                $"The password needs {options.Value.MinPasswordLength} to 200 characters.")
            .Require(request.DisplayName is null || request.DisplayName.Length <= 100, "display_name", "At most 100 characters.");
        if (!validation.IsValid)
        {
            return validation.ToProblem();
        }

        var user = new User { Email = email!, PasswordHash = string.Empty, DisplayName = request.DisplayName };
        user.PasswordHash = hasher.HashPassword(user, request.Password!);
        db.Users.Add(user);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return Problems.Conflict("An account with this email already exists.");
        }

        var (token, entity) = await tokens.IssueAsync(user.Id, "login", cancellationToken);
        LogRegistered(loggers.CreateLogger(typeof(AuthEndpoints)), user.Id);
        return TypedResults.Created("/api/me", new LoginResponse(ToResponse(user), new TokenResponse(entity.Id, entity.Name, token, entity.ExpiresAt)));
    }

    private static async Task<Results<Ok<LoginResponse>, ProblemHttpResult>> LoginAsync(
        LoginRequest request, CraftFlowDbContext db, TokenService tokens, IPasswordHasher<User> hasher,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var email = NormaliseEmail(request.Email);
        var user = email is null ? null : await db.Users.SingleOrDefaultAsync(u => u.Email == email, cancellationToken);
        var verdict = user is null || request.Password is null
            ? PasswordVerificationResult.Failed
            : hasher.VerifyHashedPassword(user, user.PasswordHash, request.Password);
        if (verdict == PasswordVerificationResult.Failed)
        {
            LogLoginFailed(loggers.CreateLogger(typeof(AuthEndpoints)));
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Wrong email or password.");
        }

        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
        {
            user!.PasswordHash = hasher.HashPassword(user, request.Password!);
            await db.SaveChangesAsync(cancellationToken);
        }

        var (token, entity) = await tokens.IssueAsync(user!.Id, "login", cancellationToken);
        return TypedResults.Ok(new LoginResponse(ToResponse(user), new TokenResponse(entity.Id, entity.Name, token, entity.ExpiresAt)));
    }

    private static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> GetMeAsync(
        ClaimsPrincipal principal, CraftFlowDbContext db, CancellationToken cancellationToken)
    {
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == principal.UserId(), cancellationToken);
        return user is null ? Problems.NotFound("User") : TypedResults.Ok(ToResponse(user));
    }

    private static async Task<Ok<List<TokenSummary>>> ListTokensAsync(
        ClaimsPrincipal principal, CraftFlowDbContext db, CancellationToken cancellationToken)
    {
        var userId = principal.UserId();
        var tokens = await db.UserTokens.AsNoTracking()
            .Where(t => t.UserId == userId)
            .OrderByDescending(t => t.CreatedAt)
            .Select(t => new TokenSummary(t.Id, t.Name, t.CreatedAt, t.ExpiresAt, t.RevokedAt))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(tokens);
    }

    private static async Task<Results<Created<TokenResponse>, ValidationProblem>> CreateTokenAsync(
        CreateTokenRequest request, ClaimsPrincipal principal, TokenService tokens, CancellationToken cancellationToken)
    {
        var name = request.Name?.Trim();
        var validation = new Validation().Require(name is { Length: > 0 and <= 100 }, "name", "A name of 1 to 100 characters is required.");
        if (!validation.IsValid)
        {
            return validation.ToProblem();
        }

        var (token, entity) = await tokens.IssueAsync(principal.UserId(), name!, cancellationToken);
        return TypedResults.Created($"/api/auth/tokens/{entity.Id}", new TokenResponse(entity.Id, entity.Name, token, entity.ExpiresAt));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeTokenAsync(
        Guid id, ClaimsPrincipal principal, TokenService tokens, CancellationToken cancellationToken)
        => await tokens.RevokeAsync(principal.UserId(), id, cancellationToken)
            ? TypedResults.NoContent()
            : Problems.NotFound("Token");

    private static string? NormaliseEmail(string? email) => email?.Trim().ToLowerInvariant() is { Length: > 0 } e ? e : null;

    private static UserResponse ToResponse(User user) => new(user.Id, user.Email, user.DisplayName, user.IsAdmin, user.CreatedAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} registered")]
    private static partial void LogRegistered(ILogger logger, Guid userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Login failed: wrong email or password")]
    private static partial void LogLoginFailed(ILogger logger);
}
