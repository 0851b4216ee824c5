using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace CraftFlow.AppHost.Resources;

/// <summary>
/// A throwaway redis-server for tests and benchmarks, with the AppHost's command line (<see cref="LocalRedis"/>),
/// on a loopback port. It can be killed and started again on the same port, to test losing Redis.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string _executable;
    private readonly string _dataDirectory;
    private readonly bool _persistent;
    private Process? _process;

    private RedisServer(string executable, string dataDirectory, int port, bool persistent)
    {
        _executable = executable;
        _dataDirectory = dataDirectory;
        _persistent = persistent;
        Port = port;

        // A child process outlives a parent that exits without disposing it (a test run ending early).
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Kill();
    }

    public int Port { get; }

    public int? ProcessId => _process is { HasExited: false } process ? process.Id : null;

    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <param name="persistent">Whether to keep an append-only file in <paramref name="dataDirectory"/> between runs.</param>
    public static async Task<RedisServer> StartAsync(string dataDirectory, bool persistent, CancellationToken cancellationToken = default)
    {
        var executable = LocalRedis.FindExecutable()
            ?? throw new InvalidOperationException("redis-server not found. Install it (apt-get install redis-server) or set ConnectionStrings__cache.");
        Directory.CreateDirectory(dataDirectory);
        for (var attempt = 1; ; attempt++)
        {
            var server = new RedisServer(executable, Path.GetFullPath(dataDirectory), FreePort.Next(), persistent);
            try
            {
                await server.StartProcessAsync(cancellationToken);
                return server;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                await server.DisposeAsync();
            }
        }
    }

    /// <summary>Kills the server at once, as a crash or a network partition would look to clients.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            process.WaitForExit();
        }
    }

    /// <summary>Starts the server again on the same port after <see cref="Kill"/>.</summary>
    public Task RestartAsync(CancellationToken cancellationToken = default)
    {
        Kill();
        return StartProcessAsync(cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        _process = null;
        return ValueTask.CompletedTask;
    }

    private async Task StartProcessAsync(CancellationToken cancellationToken)
    {
        _process?.Dispose();
        _process = ProcessRunner.StartServer(_executable, LocalRedis.ServerArguments(Port, _dataDirectory, _persistent).Cast<string>());
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await PingAsync(cancellationToken))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                Kill();
                throw new InvalidOperationException($"redis-server did not start on port {Port}:\n{ProcessRunner.Output(_process)}");
            }

            await Task.Delay(25, cancellationToken);
        }
    }

    private async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port, cancellationToken);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), cancellationToken);
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer, cancellationToken);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
