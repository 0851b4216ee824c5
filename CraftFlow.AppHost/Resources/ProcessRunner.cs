using System.Diagnostics;
using System.Text;

namespace CraftFlow.AppHost.Resources;

/// <summary>Runs a short-lived command to completion and fails with its output when it fails.</summary>
public static class ProcessRunner
{
    public static async Task<string> RunAsync(string fileName, IEnumerable<string> arguments, CancellationToken cancellationToken = default)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        output.Append(await stdout).Append(await stderr);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{Path.GetFileName(fileName)} {string.Join(' ', startInfo.ArgumentList)} exited with {process.ExitCode}:\n{output}");
        }

        return output.ToString();
    }

    /// <summary>Runs a quick check (a few seconds at most) and tells whether it exited 0.</summary>
    public static bool Succeeds(string fileName, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(startInfo);
            if (process is null)
            {
                return false;
            }

            if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(5)))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Not installed.
            return false;
        }
    }

    /// <summary>Starts a long-running server in the foreground, keeping its output for <see cref="Output"/>.</summary>
    public static Process StartServer(string fileName, IEnumerable<string> arguments)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = startInfo };
        var output = new StringBuilder();
        Outputs.Add(process, output);
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {fileName}.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>What a server started by <see cref="StartServer"/> has printed so far.</summary>
    public static string Output(Process process)
    {
        if (!Outputs.TryGetValue(process, out var output))
        {
            return string.Empty;
        }

        lock (output)
        {
            return output.ToString();
        }
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Process, StringBuilder> Outputs = [];

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    /// <summary>Finds an executable on PATH, or in the first of the given directories that has it.</summary>
    public static string? Find(string name, IEnumerable<string>? extraDirectories = null)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        var candidates = path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(extraDirectories ?? []);
        return candidates.Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
    }

    public static bool IsRoot => Environment.UserName == "root";
}
