namespace CraftFlow.Data.Jobs;

/// <summary>Runs the jobs of one kind. Runs are at-least-once, so a handler must be idempotent.</summary>
public interface IJobHandler
{
    /// <summary>The <see cref="Job.Kind"/> this handler runs.</summary>
    string Kind { get; }

    /// <summary>
    /// Does the work. Returning completes the job; throwing fails the attempt (retried or discarded).
    /// The token fires when the job is cancelled, its lease is lost, or the worker stops after its grace period.
    /// </summary>
    Task HandleAsync(Job job, CancellationToken cancellationToken);
}

/// <summary>The handlers by kind; two handlers for one kind is a start-up error, not a coin toss at run time.</summary>
public sealed class JobHandlerRegistry
{
    private readonly Dictionary<string, IJobHandler> _handlers;

    public JobHandlerRegistry(IEnumerable<IJobHandler> handlers)
    {
        _handlers = new Dictionary<string, IJobHandler>(StringComparer.Ordinal);
        foreach (var handler in handlers)
        {
            if (!_handlers.TryAdd(handler.Kind, handler))
            {
                throw new InvalidOperationException($"Two job handlers are registered for kind '{handler.Kind}'.");
            }
        }
    }

    public IJobHandler? Find(string kind) => _handlers.GetValueOrDefault(kind);
}
