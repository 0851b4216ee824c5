using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CraftFlow.AppHost.Resources;

/// <summary>
/// Puts a server's failure on the AppHost's console, not only in the dashboard: the terminal a developer ran
/// <c>dotnet run</c> in names the resource, how it ended and the server's own last lines (initdb's or the
/// postmaster's FATAL line, redis-server's error).
/// </summary>
public static partial class ServerFailureReport
{
    private const int LinesKept = 8;

    public static IResourceBuilder<T> WithServerFailureReport<T>(this IResourceBuilder<T> builder)
        where T : IResource
        => builder.OnInitializeResource((resource, @event, cancellationToken) =>
        {
            var logger = @event.Services.GetRequiredService<ILoggerFactory>().CreateLogger("CraftFlow.AppHost");
            var lastLines = new Queue<string>();
            _ = KeepLastLinesAsync(@event.Services.GetRequiredService<ResourceLoggerService>(), resource, lastLines, cancellationToken);
            return ReportFailureAsync(resource, @event.Notifications, lastLines, logger, cancellationToken);
        });

    private static async Task KeepLastLinesAsync(ResourceLoggerService logs, IResource resource, Queue<string> lastLines, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var batch in logs.WatchAsync(resource).WithCancellation(cancellationToken))
            {
                lock (lastLines)
                {
                    foreach (var line in batch)
                    {
                        lastLines.Enqueue(line.Content);
                        if (lastLines.Count > LinesKept)
                        {
                            lastLines.Dequeue();
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private static async Task ReportFailureAsync(
        IResource resource, ResourceNotificationService notifications, Queue<string> lastLines, ILogger logger, CancellationToken cancellationToken)
    {
        string? reported = null;
        try
        {
            await foreach (var update in notifications.WatchAsync(cancellationToken))
            {
                var state = update.Snapshot.State?.Text;
                if (!ReferenceEquals(update.Resource, resource) || state == reported || !IsFailure(state, update.Snapshot.ExitCode))
                {
                    continue;
                }

                reported = state;

                // The resource's log reaches the watcher a moment after the state change; give it that moment.
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
                string lines;
                lock (lastLines)
                {
                    lines = string.Join(Environment.NewLine, lastLines.Select(line => "    " + line));
                }

                LogServerFailed(logger, resource.Name, state!, update.Snapshot.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none", lines);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private static bool IsFailure(string? state, int? exitCode) =>
        state == KnownResourceStates.FailedToStart
        || ((state == KnownResourceStates.Exited || state == KnownResourceStates.Finished) && exitCode is not (null or 0));

    [LoggerMessage(Level = LogLevel.Error, Message = "{Resource} failed ({State}, exit code {ExitCode}); its last lines:\n{Lines}")]
    private static partial void LogServerFailed(ILogger logger, string resource, string state, string exitCode, string lines);
}
