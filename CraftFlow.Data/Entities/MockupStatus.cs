namespace CraftFlow.Data.Entities;

public enum MockupStatus
{
    Pending,
    Processing,
    Completed,
    Failed,
}
