namespace CraftFlow.AppHost.Hosting;

/// <summary>Something the AppHost runs: a server, a database on it, or a project. Aspire's resource model, kept small.</summary>
public abstract class Resource(string name)
{
    private readonly TaskCompletionSource _running = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<int> _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Name { get; } = name;

    public ResourceState State { get; private set; }

    public string? Endpoint { get; protected set; }

    public int? ProcessId { get; protected set; }

    /// <summary>Raised on every state change; the resource table listens to redraw itself.</summary>
    public event Action<Resource>? StateChanged;

    /// <summary>Completes when the resource serves (or is skipped); faults when it cannot start.</summary>
    public Task WhenRunning => _running.Task;

    /// <summary>Completes with the exit code of a resource that runs to completion.</summary>
    public Task<int> WhenCompleted => _completed.Task;

    public abstract Task StartAsync(CancellationToken cancellationToken);

    public abstract Task StopAsync(CancellationToken cancellationToken);

    protected void SetState(ResourceState state)
    {
        State = state;
        switch (state)
        {
            case ResourceState.Running or ResourceState.Skipped:
                _running.TrySetResult();
                break;
            case ResourceState.Failed:
                _running.TrySetException(new AppHostException($"{Name} failed to start."));
                break;
        }

        StateChanged?.Invoke(this);
    }

    protected void SetCompleted(int exitCode)
    {
        _completed.TrySetResult(exitCode);
        SetState(exitCode == 0 ? ResourceState.Finished : ResourceState.Failed);
    }

    protected void SetFailed(Exception error)
    {
        _running.TrySetException(error);
        _completed.TrySetException(error);
        SetState(ResourceState.Failed);
    }
}

/// <summary>A resource that others reference by connection string, injected as ConnectionStrings__{Name}.</summary>
public interface IResourceWithConnectionString
{
    string Name { get; }

    /// <summary>Null when the resource is skipped (no redis-server: the services use their memory cache).</summary>
    string? ConnectionString { get; }

    Task WhenRunning { get; }
}

/// <summary>A start-up problem the developer can fix; printed without a stack trace.</summary>
public sealed class AppHostException(string message) : Exception(message);
