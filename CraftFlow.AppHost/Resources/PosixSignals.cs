using System.Runtime.InteropServices;

namespace CraftFlow.AppHost.Resources;

/// <summary>kill(2): .NET can only SIGKILL a process, and graceful shutdowns need SIGTERM or SIGINT.</summary>
public static partial class PosixSignals
{
    /// <summary>PostgreSQL's "fast" shutdown: abort transactions, disconnect clients, checkpoint, exit.</summary>
    public const int Interrupt = 2;

    /// <summary>A .NET host's graceful shutdown.</summary>
    public const int Terminate = 15;

    /// <summary>Sends <paramref name="signal"/>; false when there is no such process (or no permission).</summary>
    public static bool Send(int pid, int signal) => Kill(pid, signal) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
