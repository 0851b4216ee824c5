using System.Diagnostics;
using Npgsql;

namespace CraftFlow.AppHost.Resources;

/// <summary>
/// A throwaway PostgreSQL for tests and benchmarks, started with the AppHost's resource code
/// (<see cref="LocalPostgres"/>: the same initdb and postmaster command line) as a child process on a free
/// loopback port, without an orchestrator in between.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly Process _process;
    private bool _stopped;

    private PostgresServer(Process process, string dataDirectory, int port)
    {
        _process = process;
        DataDirectory = dataDirectory;
        Port = port;
    }

    public int Port { get; }

    public string DataDirectory { get; }

    public int ProcessId => _process.Id;

    /// <summary>Initialises <paramref name="dataDirectory"/> when empty and starts the server on a free port.</summary>
    /// <param name="durable">False for tests: fsync off, which is several times faster and loses nothing a test needs.</param>
    public static async Task<PostgresServer> StartAsync(string dataDirectory, bool durable, CancellationToken cancellationToken = default)
    {
        var bin = LocalPostgres.RequireBinDirectory();
        dataDirectory = Path.GetFullPath(dataDirectory);
        await LocalPostgres.InitialiseAsync(bin, dataDirectory, cancellationToken);

        // Another process may take the probed port between probe and bind: try a few.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort.Next();
            var (fileName, arguments) = LocalPostgres.ServerCommand(bin, dataDirectory, port.ToString(System.Globalization.CultureInfo.InvariantCulture), durable);
            var process = ProcessRunner.StartServer(fileName, arguments.Cast<string>());
            var server = new PostgresServer(process, dataDirectory, port);
            try
            {
                await server.WaitUntilAcceptingAsync(cancellationToken);
                return server;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                await server.StopAsync();
            }
        }
    }

    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = LocalPostgres.ServiceUser,
        Database = database,
    }.ConnectionString;

    /// <summary>A fast shutdown (SIGINT: abort transactions, disconnect clients, checkpoint), waited for.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            SignalShutdown();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>
    /// Asks the postmaster for a fast shutdown with one signal and returns at once: for callers that may be
    /// killed any moment (a test host at the end of its run).
    /// </summary>
    public void SignalShutdown()
    {
        if (!_stopped)
        {
            _stopped = true;
            NpgsqlConnection.ClearAllPools();
            PosixSignals.Send(_process.Id, PosixSignals.Interrupt);
        }
    }

    /// <summary>Stops whatever server an owner that is gone left running on <paramref name="dataDirectory"/>, if any.</summary>
    public static async Task StopAbandonedAsync(string dataDirectory)
    {
        if (LocalPostgres.ReadPostmasterPid(dataDirectory) is not { } pid || !PosixSignals.Send(pid, PosixSignals.Interrupt))
        {
            return;
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (PosixSignals.Send(pid, 0) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
    }

    private async Task WaitUntilAcceptingAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var connectionString = ConnectionString("postgres") + ";Pooling=false;Timeout=2";
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"postgres exited with {_process.ExitCode} before accepting connections:\n{ProcessRunner.Output(_process)}");
            }

            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(cancellationToken);
                return;
            }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50, cancellationToken);
            }
        }
    }
}
