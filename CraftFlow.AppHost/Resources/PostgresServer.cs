using Npgsql;

namespace CraftFlow.AppHost.Resources;

/// <summary>
/// A PostgreSQL cluster in a local directory, started with initdb and pg_ctl on a loopback port:
/// the AppHost's "postgres" resource and the tests' throwaway server. As root, the server runs as
/// the postgres user, since PostgreSQL refuses to run as root.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string ServiceUser = "postgres";

    private readonly string _binDirectory;
    private readonly string _dataDirectory;
    private bool _stopped;

    private PostgresServer(string binDirectory, string dataDirectory, int port)
    {
        _binDirectory = binDirectory;
        _dataDirectory = dataDirectory;
        Port = port;
    }

    public int Port { get; }

    public string DataDirectory => _dataDirectory;

    public string LogFile => Path.Combine(_dataDirectory, "server.log");

    /// <summary>Where initdb and pg_ctl are: PATH first, then Debian's /usr/lib/postgresql/N/bin (newest).</summary>
    public static string? FindBinDirectory()
    {
        IEnumerable<string> debian = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(dir => Path.Combine(dir, "bin"))
                .OrderByDescending(dir => int.TryParse(Path.GetFileName(Path.GetDirectoryName(dir)), out var v) ? v : 0)
            : [];
        var pgCtl = ProcessRunner.Find("pg_ctl", debian);
        if (pgCtl is null)
        {
            return null;
        }

        // /usr/local/bin/pg_ctl is often a symlink; initdb and postgres sit beside its target.
        var resolved = new FileInfo(pgCtl).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(pgCtl);
        return Path.GetDirectoryName(resolved);
    }

    /// <summary>Initialises <paramref name="dataDirectory"/> when empty and starts the server on a free port.</summary>
    /// <param name="durable">False for tests: fsync off, which is several times faster and loses nothing a test needs.</param>
    public static async Task<PostgresServer> StartAsync(string dataDirectory, bool durable, CancellationToken cancellationToken = default)
    {
        var bin = FindBinDirectory()
            ?? throw new InvalidOperationException(
                "PostgreSQL server binaries not found. Install them (apt-get install postgresql) or set ConnectionStrings__craftflowdb.");
        dataDirectory = Path.GetFullPath(dataDirectory);
        await InitialiseAsync(bin, dataDirectory, cancellationToken);

        // Another process may take the probed port between probe and bind: try a few.
        for (var attempt = 1; ; attempt++)
        {
            var server = new PostgresServer(bin, dataDirectory, FreePort.Next());
            try
            {
                await server.StartProcessAsync(durable, cancellationToken);
                return server;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
            }
        }
    }

    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = ServiceUser,
        Database = database,
    }.ConnectionString;

    public async Task CreateDatabaseAsync(string database, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task DropDatabaseAsync(string database, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        NpgsqlConnection.ClearAllPools();
        await RunAsServiceUserAsync(Path.Combine(_binDirectory, "pg_ctl"), ["-D", _dataDirectory, "-m", "fast", "-w", "stop"], CancellationToken.None);
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>
    /// Asks the postmaster for a fast shutdown with one signal and returns at once: for callers that may be
    /// killed any moment (a test host at the end of its run), where spawning pg_ctl may not get to run.
    /// </summary>
    public void SignalShutdown()
    {
        if (!_stopped && ReadPostmasterPid(_dataDirectory) is { } pid)
        {
            _stopped = true;
            PosixSignals.Send(pid, PosixSignals.Interrupt);
        }
    }

    private static int? ReadPostmasterPid(string dataDirectory)
    {
        try
        {
            // postmaster.pid's first line is the server's pid.
            return int.TryParse(File.ReadLines(Path.Combine(dataDirectory, "postmaster.pid")).FirstOrDefault(), out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Stops whatever server runs on <paramref name="dataDirectory"/>, if any (a server its owner abandoned).</summary>
    public static async Task StopAbandonedAsync(string dataDirectory)
    {
        if (FindBinDirectory() is not { } bin || !File.Exists(Path.Combine(dataDirectory, "postmaster.pid")))
        {
            return;
        }

        try
        {
            await RunAsServiceUserAsync(Path.Combine(bin, "pg_ctl"), ["-D", dataDirectory, "-m", "immediate", "-w", "stop"], CancellationToken.None);
        }
        catch (InvalidOperationException)
        {
            // Not running after all (a stale postmaster.pid).
        }
    }

    private static async Task InitialiseAsync(string bin, string dataDirectory, CancellationToken cancellationToken)
    {
        if (File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
        {
            return;
        }

        Directory.CreateDirectory(dataDirectory);
        if (ProcessRunner.IsRoot)
        {
            await ProcessRunner.RunAsync("chown", ["-R", $"{ServiceUser}:", dataDirectory], cancellationToken);
        }

        await RunAsServiceUserAsync(
            Path.Combine(bin, "initdb"),
            ["-D", dataDirectory, "-U", ServiceUser, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"],
            cancellationToken);
    }

    private async Task StartProcessAsync(bool durable, CancellationToken cancellationToken)
    {
        var options = $"-p {Port} -h 127.0.0.1 -k {_dataDirectory} -c max_connections=300";
        if (!durable)
        {
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
        }

        // Where the server ships pg_stat_statements, load it: the admin database route lists the slowest
        // statements from it (once a database runs CREATE EXTENSION pg_stat_statements).
        if (File.Exists(Path.Combine(_binDirectory, "..", "lib", "pg_stat_statements.so")))
        {
            options += " -c shared_preload_libraries=pg_stat_statements";
        }

        await RunAsServiceUserAsync(
            Path.Combine(_binDirectory, "pg_ctl"),
            ["-D", _dataDirectory, "-l", LogFile, "-o", options, "-w", "-t", "60", "start"],
            cancellationToken);
    }

    private static Task<string> RunAsServiceUserAsync(string executable, IEnumerable<string> arguments, CancellationToken cancellationToken)
        => ProcessRunner.IsRoot
            ? ProcessRunner.RunAsync("runuser", ["-u", ServiceUser, "--", executable, .. arguments], cancellationToken)
            : ProcessRunner.RunAsync(executable, arguments, cancellationToken);
}
