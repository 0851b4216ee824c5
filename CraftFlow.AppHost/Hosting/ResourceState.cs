namespace CraftFlow.AppHost.Hosting;

public enum ResourceState
{
    NotStarted,
    Waiting,
    Starting,
    Running,
    Unhealthy,
    Restarting,
    Finished,
    Failed,
    Skipped,
    Stopping,
    Stopped,
}
