using System.Globalization;

namespace CraftFlow.AppHost.Resources;

/// <summary>redis-server's command line, shared by the AppHost's executable resource and the tests' throwaway Redis.</summary>
public static class LocalRedis
{
    public static string? FindExecutable() => ProcessRunner.Find("redis-server", ["/usr/bin", "/usr/local/bin", "/usr/sbin"]);

    /// <param name="port">A number, or Aspire's reference to the endpoint's target port.</param>
    /// <param name="persistent">Whether to keep an append-only file in <paramref name="dataDirectory"/> between runs.</param>
    public static List<object> ServerArguments(object port, string dataDirectory, bool persistent) =>
    [
        "--port", port is int number ? number.ToString(CultureInfo.InvariantCulture) : port,
        "--bind", "127.0.0.1",
        "--dir", dataDirectory,
        "--save", string.Empty,
        "--appendonly", persistent ? "yes" : "no",
        "--daemonize", "no",
        "--protected-mode", "yes",
    ];
}
