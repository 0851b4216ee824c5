using System.Diagnostics;
using CraftFlow.AppHost.Resources;

namespace CraftFlow.AppHost.Hosting;

/// <summary>
/// A .NET project run as a child process with Aspire's variables injected. A project with a health
/// check is long-running and restarted with backoff when it crashes; one without runs to completion.
/// </summary>
public sealed class ProjectResource(string name, string projectName, AppHostOptions options, IAppHostConsole console)
    : Resource(name)
{
    private static readonly TimeSpan MaxRestartDelay = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan HealthDeadline = TimeSpan.FromSeconds(60);

    private readonly List<IResourceWithConnectionString> _references = [];
    private readonly List<Resource> _waitForRunning = [];
    private readonly List<Resource> _waitForCompletion = [];
    private readonly Dictionary<string, string> _environment = [];
    private readonly CancellationTokenSource _stopping = new();
    private Process? _process;
    private Task? _supervisor;
    private int? _httpPort;
    private string? _healthPath;

    public string ProjectName { get; } = projectName;

    public int Restarts { get; private set; }

    public ProjectResource WithReference(IResourceWithConnectionString resource)
    {
        _references.Add(resource);
        return this;
    }

    public ProjectResource WaitFor(Resource resource)
    {
        _waitForRunning.Add(resource);
        return this;
    }

    public ProjectResource WaitForCompletion(Resource resource)
    {
        _waitForCompletion.Add(resource);
        return this;
    }

    /// <summary>An HTTP endpoint on loopback; port 0 picks a free one.</summary>
    public ProjectResource WithHttpEndpoint(int port = 0)
    {
        _httpPort = port == 0 ? FreePort.Next() : port;
        Endpoint = $"http://127.0.0.1:{_httpPort}";
        return this;
    }

    public ProjectResource WithHttpHealthCheck(string path)
    {
        _healthPath = path;
        return this;
    }

    public ProjectResource WithEnvironment(string name, string value)
    {
        _environment[name] = value;
        return this;
    }

    private bool IsLongRunning => _healthPath is not null;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        SetState(ResourceState.Waiting);
        try
        {
            await Task.WhenAll(_waitForRunning.Select(r => r.WhenRunning).Concat(_references.Select(r => r.WhenRunning)));
            foreach (var dependency in _waitForCompletion)
            {
                var exitCode = await dependency.WhenCompleted;
                if (exitCode != 0)
                {
                    throw new AppHostException($"{Name} not started: {dependency.Name} exited with code {exitCode}.");
                }
            }
        }
        catch (Exception e)
        {
            SetFailed(e is AppHostException ? e : new AppHostException($"{Name} not started: a dependency failed ({e.Message})."));
            throw;
        }

        var startInfo = CreateStartInfo();
        if (!IsLongRunning)
        {
            SetState(ResourceState.Running);
            var exitCode = await RunOnceAsync(startInfo, cancellationToken);
            SetCompleted(exitCode);
            if (exitCode != 0)
            {
                throw new AppHostException($"{Name} exited with code {exitCode}; its output is above.");
            }

            return;
        }

        var healthy = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _supervisor = SuperviseAsync(startInfo, healthy, _stopping.Token);
        await healthy.Task.WaitAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_process is { HasExited: false } process)
        {
            SetState(ResourceState.Stopping);
            await StopProcessAsync(process, options.StopTimeout);
        }

        if (_supervisor is not null)
        {
            await _supervisor.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        if (State is not (ResourceState.Finished or ResourceState.Failed))
        {
            ProcessId = null;
            SetState(ResourceState.Stopped);
        }
    }

    /// <summary>Starts the process, waits for its health check, and restarts it with backoff when it dies.</summary>
    private async Task SuperviseAsync(ProcessStartInfo startInfo, TaskCompletionSource healthy, CancellationToken stopping)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!stopping.IsCancellationRequested)
        {
            SetState(Restarts == 0 ? ResourceState.Starting : ResourceState.Restarting);
            var process = Launch(startInfo);
            var started = Stopwatch.GetTimestamp();
            var exited = process.WaitForExitAsync(CancellationToken.None);
            if (await WaitForHealthAsync(exited, stopping))
            {
                SetState(ResourceState.Running);
                healthy.TrySetResult();
            }
            else if (!process.HasExited && !stopping.IsCancellationRequested)
            {
                SetState(ResourceState.Unhealthy);
                healthy.TrySetResult();
            }

            await exited;
            if (stopping.IsCancellationRequested)
            {
                return;
            }

            console.Warn(Name, $"exited with code {process.ExitCode}; restarting in {delay.TotalSeconds:0} s");
            if (Stopwatch.GetElapsedTime(started) > MaxRestartDelay * 2)
            {
                delay = TimeSpan.FromSeconds(1); // It ran fine for a while: this is a new crash, not a crash loop.
            }

            ProcessId = null;
            Restarts++;
            SetState(ResourceState.Restarting);
            try
            {
                await Task.Delay(delay, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRestartDelay.Ticks));
        }
    }

    private async Task<bool> WaitForHealthAsync(Task exited, CancellationToken stopping)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.GetTimestamp();
        while (!exited.IsCompleted && !stopping.IsCancellationRequested && Stopwatch.GetElapsedTime(deadline) < HealthDeadline)
        {
            try
            {
                using var response = await client.GetAsync($"{Endpoint}{_healthPath}", stopping);
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!stopping.IsCancellationRequested)
            {
            }
            catch (OperationCanceledException)
            {
                return false;
            }

            await Task.WhenAny(exited, Task.Delay(200, CancellationToken.None));
        }

        return false;
    }

    private async Task<int> RunOnceAsync(ProcessStartInfo startInfo, CancellationToken cancellationToken)
    {
        var process = Launch(startInfo);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await StopProcessAsync(process, options.StopTimeout);
            throw;
        }

        ProcessId = null;
        return process.ExitCode;
    }

    private Process Launch(ProcessStartInfo startInfo)
    {
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { console.Line(Name, e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { console.Line(Name, e.Data); } };
        if (!process.Start())
        {
            throw new AppHostException($"Could not start {Name}.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        ProcessId = process.Id;
        return process;
    }

    private ProcessStartInfo CreateStartInfo()
    {
        var assembly = FindAssembly();
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
        };
        startInfo.ArgumentList.Add(assembly);

        // Railway's own variables would override what the AppHost injects.
        foreach (var variable in new[] { "PORT", "DATABASE_URL", "REDIS_URL", "ASPNETCORE_URLS" })
        {
            startInfo.Environment.Remove(variable);
        }

        startInfo.Environment["DOTNET_ENVIRONMENT"] = "Development";
        startInfo.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        startInfo.Environment["OTEL_SERVICE_NAME"] = Name;
        if (options.OtlpEndpoint is { Length: > 0 } otlp)
        {
            startInfo.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp;
        }

        foreach (var reference in _references)
        {
            if (reference.ConnectionString is { } connectionString)
            {
                startInfo.Environment[$"ConnectionStrings__{reference.Name}"] = connectionString;
            }
        }

        if (_httpPort is { } port)
        {
            startInfo.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        }

        foreach (var (key, value) in _environment)
        {
            startInfo.Environment[key] = value;
        }

        return startInfo;
    }

    /// <summary>The project's own build output, in the configuration the AppHost itself was built in.</summary>
    private string FindAssembly()
    {
        var configuration = typeof(ProjectResource).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyConfigurationAttribute), false)
            .OfType<System.Reflection.AssemblyConfigurationAttribute>()
            .FirstOrDefault()?.Configuration ?? "Debug";
        var path = Path.Combine(options.SolutionDirectory, ProjectName, "bin", configuration, "net10.0", ProjectName + ".dll");
        return File.Exists(path)
            ? path
            : throw new AppHostException($"{path} not found: build the solution first (dotnet build -c {configuration}).");
    }

    /// <summary>SIGTERM for a graceful shutdown, then SIGKILL of the whole tree after the timeout.</summary>
    private static async Task StopProcessAsync(Process process, TimeSpan timeout)
    {
        if (process.HasExited)
        {
            return;
        }

        PosixSignals.Send(process.Id, PosixSignals.Terminate);
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }
    }
}
