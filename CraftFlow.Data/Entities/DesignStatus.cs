namespace CraftFlow.Data.Entities;

public enum DesignStatus
{
    Pending,
    Processing,
    Processed,
    Duplicate,
    Failed,
}
