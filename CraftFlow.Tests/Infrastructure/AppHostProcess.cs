using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace CraftFlow.Tests.Infrastructure;

/// <summary>The real AppHost as a process, reading its resource table and log from standard output.</summary>
public sealed partial class AppHostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly string _directory;

    private AppHostProcess(Process process, string directory)
    {
        _process = process;
        _directory = directory;
    }

    public int Id => _process.Id;

    public string Output => string.Join('\n', _lines);

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static AppHostProcess Start(IDictionary<string, string>? environment = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"craftflow-apphost-{Guid.NewGuid():N}");
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "CraftFlow.AppHost.dll"), "--api-port", "0", "--data-dir", directory, "--ephemeral" })
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment.Remove("ConnectionStrings__craftflowdb");
        startInfo.Environment.Remove("ConnectionStrings__cache");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[key] = value;
        }

        var process = new Process { StartInfo = startInfo };
        var host = new AppHostProcess(process, directory);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { host._lines.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { host._lines.Enqueue(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>The URL from the "ready: API at …" line, once the AppHost prints it.</summary>
    public Task<string> WaitForApiUrlAsync(TimeSpan timeout)
        => Eventually.UntilAsync(
            () => Task.FromResult(_lines.Select(l => ReadyLine().Match(l)).FirstOrDefault(m => m.Success)?.Groups[1].Value ?? (HasExited ? "exited" : null)),
            url => url is not null,
            timeout,
            "the AppHost to report the API ready")
            .ContinueWith(t => t.Result == "exited" ? throw new InvalidOperationException("AppHost exited:\n" + Output) : t.Result!, TaskScheduler.Default);

    /// <summary>The PID of the resource in the newest table that shows it in <paramref name="state"/>.</summary>
    public int? LatestPid(string resource, string state = "Running")
    {
        var row = _lines.Reverse().Select(l => TableRow().Match(l))
            .FirstOrDefault(m => m.Success && m.Groups["name"].Value == resource);
        return row is not null && row.Groups["state"].Value == state && row.Groups["pid"].Value != "-"
            ? int.Parse(row.Groups["pid"].Value, CultureInfo.InvariantCulture)
            : null;
    }

    public void Terminate() => CraftFlow.AppHost.Resources.PosixSignals.Send(_process.Id, CraftFlow.AppHost.Resources.PosixSignals.Terminate);

    public Task WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        return _process.WaitForExitAsync(deadline.Token);
    }

    public static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Terminate();
            try
            {
                await WaitForExitAsync(TimeSpan.FromSeconds(30));
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [GeneratedRegex(@"ready: API at (\S+)")]
    private static partial Regex ReadyLine();

    [GeneratedRegex(@"^(?<name>\S+)\s+(?<state>[A-Z][a-zA-Z]+)\s+(?<pid>\d+|-)\s+\S+")]
    private static partial Regex TableRow();

}
