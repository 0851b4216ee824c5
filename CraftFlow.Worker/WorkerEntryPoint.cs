namespace CraftFlow.Worker;

/// <summary>Names this assembly for WebApplicationFactory (every service's top-level Program is called Program).</summary>
public sealed class WorkerEntryPoint
{
    private WorkerEntryPoint()
    {
    }
}
