namespace CraftFlow.Data.Schema;

public sealed class DatabaseUnreachableException(string host, TimeSpan waited, Exception inner)
    : Exception($"Database at {host} is unreachable after {waited.TotalSeconds:0} s: {inner.Message}", inner)
{
    public string Host { get; } = host;
}
