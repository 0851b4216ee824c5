using System.Diagnostics;

namespace CraftFlow.Tests.Deployment;

/// <summary>
/// Node and the packages of <c>.railway/package.json</c> (the railway SDK, TypeScript, tsx), installed from the
/// lock file on first use when .ci/run has not done so already.
/// </summary>
public static class NodeToolchain
{
    public static readonly string RailwayDirectory = Repository.PathOf(".railway");

    public static bool Available { get; } = OnPath("node") && OnPath("npm");

    private static readonly SemaphoreSlim Installing = new(1, 1);

    public static string Bin(string tool) => Path.Combine(RailwayDirectory, "node_modules", ".bin", tool);

    public static async Task EnsureInstalledAsync()
    {
        await Installing.WaitAsync();
        try
        {
            if (File.Exists(Bin("tsc")) && File.Exists(Bin("tsx")))
            {
                return;
            }

            // --ignore-scripts: esbuild's postinstall only optimises; nothing here needs an install script.
            var (exitCode, output) = await RunAsync("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund"], TimeSpan.FromMinutes(5));
            Assert.True(exitCode == 0, $"npm ci in .railway failed ({exitCode}):\n{output}");
        }
        finally
        {
            Installing.Release();
        }
    }

    /// <summary>Runs a program in .railway and returns its exit code and its output (stdout, then stderr).</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = RailwayDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', startInfo.ArgumentList)} did not finish in {timeout.TotalSeconds:0} s.");
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    private static bool OnPath(string program)
        => (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, program)));
}

/// <summary>A fact that needs node and npm; skipped, saying so, on a machine without them.</summary>
public sealed class RequiresNodeFactAttribute : FactAttribute
{
    public RequiresNodeFactAttribute()
    {
        if (!NodeToolchain.Available)
        {
            Skip = "node and npm are not on PATH: install Node.js 20 or newer to check .railway/railway.ts (CI has it).";
        }
    }
}
