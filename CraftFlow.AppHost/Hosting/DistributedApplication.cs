using Microsoft.Extensions.Configuration;

namespace CraftFlow.AppHost.Hosting;

/// <summary>Declares resources the way an Aspire AppHost does, then builds the runnable application.</summary>
public sealed class DistributedApplicationBuilder
{
    private readonly List<Resource> _resources = [];

    internal DistributedApplicationBuilder(AppHostOptions options, IConfiguration configuration, IAppHostConsole console)
    {
        Options = options;
        Configuration = configuration;
        Console = console;
    }

    public AppHostOptions Options { get; }

    public IConfiguration Configuration { get; }

    public IAppHostConsole Console { get; }

    /// <summary>A PostgreSQL server; external when ConnectionStrings__{database} is configured for any of its databases.</summary>
    public PostgresServerBuilder AddPostgres(string name) => new(this, name);

    public RedisResource AddRedis(string name)
        => Add(new RedisResource(name, Options, NonEmpty(Configuration.GetConnectionString(name)), Console));

    public ProjectResource AddProject(string name, string projectName) => Add(new ProjectResource(name, projectName, Options, Console));

    public DistributedApplication Build() => new(_resources, Options, Console);

    internal T Add<T>(T resource)
        where T : Resource
    {
        _resources.Add(resource);
        return resource;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    /// <summary>Postgres is declared before its databases, but whether it is external depends on them.</summary>
    public sealed class PostgresServerBuilder(DistributedApplicationBuilder builder, string name)
    {
        public PostgresDatabaseResource AddDatabase(string databaseName)
        {
            var external = NonEmpty(builder.Configuration.GetConnectionString(databaseName));
            var server = builder.Add(new PostgresResource(name, builder.Options, external));
            return builder.Add(server.AddDatabase(databaseName));
        }
    }
}

/// <summary>Starts resources in dependency order, shows their table, and stops them all on Ctrl+C or SIGTERM.</summary>
public sealed class DistributedApplication : IAsyncDisposable
{
    private readonly IReadOnlyList<Resource> _resources;
    private readonly AppHostOptions _options;
    private readonly IAppHostConsole _console;
    private int _stopped;

    internal DistributedApplication(IReadOnlyList<Resource> resources, AppHostOptions options, IAppHostConsole console)
    {
        _resources = resources;
        _options = options;
        _console = console;
    }

    public IReadOnlyList<Resource> Resources => _resources;

    public static DistributedApplicationBuilder CreateBuilder(string[] args, IAppHostConsole? console = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddEnvironmentVariables()
            .Build();
        return CreateBuilder(AppHostOptions.Parse(args, configuration), configuration, console);
    }

    public static DistributedApplicationBuilder CreateBuilder(AppHostOptions options, IConfiguration configuration, IAppHostConsole? console = null)
        => new(options, configuration, console ?? new AppHostConsole());

    public T Resource<T>(string name)
        where T : Resource
        => _resources.OfType<T>().Single(r => r.Name == name);

    /// <summary>Starts every resource; returns when all run (or finished), throws when one cannot start.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_options.Fresh && Directory.Exists(_options.DataDirectory))
        {
            Directory.Delete(_options.DataDirectory, recursive: true);
        }

        Directory.CreateDirectory(_options.DataDirectory);
        foreach (var resource in _resources)
        {
            resource.StateChanged += OnStateChanged;
        }

        _console.Table(_resources);
        await Task.WhenAll(_resources.Select(r => r.StartAsync(cancellationToken)));
    }

    /// <summary>The command-line entry: start, wait for Ctrl+C or SIGTERM, stop. Returns the process exit code.</summary>
    public async Task<int> RunAsync()
    {
        using var shutdown = new CancellationTokenSource();
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGINT, context => { context.Cancel = true; shutdown.Cancel(); });
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, context => { context.Cancel = true; shutdown.Cancel(); });

        try
        {
            await StartAsync(shutdown.Token);
            var api = _resources.OfType<ProjectResource>().FirstOrDefault(r => r.Name == "api");
            _console.Line("apphost", $"ready{(api is null ? string.Empty : $": API at {api.Endpoint}")} (Ctrl+C stops everything)");
            await Task.Delay(Timeout.Infinite, shutdown.Token);
            return 0;
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            return 0;
        }
        catch (AppHostException e)
        {
            _console.Warn("apphost", e.Message);
            return 1;
        }
        finally
        {
            _console.Line("apphost", "stopping");
            await StopAsync();
        }
    }

    /// <summary>Stops projects first, then the servers they use.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        await Task.WhenAll(_resources.OfType<ProjectResource>().Select(r => r.StopAsync(CancellationToken.None)));
        foreach (var resource in _resources.Where(r => r is not ProjectResource).Reverse())
        {
            await resource.StopAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private void OnStateChanged(Resource resource)
    {
        if (Volatile.Read(ref _stopped) == 0)
        {
            _console.Table(_resources);
        }
    }
}
