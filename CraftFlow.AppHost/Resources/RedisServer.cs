using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace CraftFlow.AppHost.Resources;

/// <summary>
/// A redis-server child process on a loopback port: the AppHost's "cache" resource and the tests'
/// throwaway Redis. It can be killed and started again on the same port, to test losing Redis.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string _executable;
    private readonly string _dataDirectory;
    private Process? _process;

    private RedisServer(string executable, string dataDirectory, int port)
    {
        _executable = executable;
        _dataDirectory = dataDirectory;
        Port = port;

        // A child process outlives a parent that exits without disposing it (a test run ending early).
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Kill();
    }

    public int Port { get; }

    public int? ProcessId => _process is { HasExited: false } process ? process.Id : null;

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static string? FindExecutable() => ProcessRunner.Find("redis-server", ["/usr/bin", "/usr/local/bin", "/usr/sbin"]);

    /// <param name="persistent">Whether to keep an append-only file in <paramref name="dataDirectory"/> between runs.</param>
    public static async Task<RedisServer> StartAsync(string dataDirectory, bool persistent, CancellationToken cancellationToken = default)
    {
        var executable = FindExecutable()
            ?? throw new InvalidOperationException("redis-server not found. Install it (apt-get install redis-server) or set ConnectionStrings__cache.");
        Directory.CreateDirectory(dataDirectory);
        for (var attempt = 1; ; attempt++)
        {
            var server = new RedisServer(executable, Path.GetFullPath(dataDirectory), FreePort.Next());
            try
            {
                await server.StartProcessAsync(persistent, cancellationToken);
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
        return StartProcessAsync(persistent: false, cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        _process = null;
        return ValueTask.CompletedTask;
    }

    private async Task StartProcessAsync(bool persistent, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(_executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] arguments =
        [
            "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--dir", _dataDirectory,
            "--save", string.Empty,
            "--appendonly", persistent ? "yes" : "no",
            "--daemonize", "no",
            "--protected-mode", "yes",
        ];
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        _process?.Dispose();
        _process = Process.Start(startInfo) ?? throw new InvalidOperationException("Could not start redis-server.");
        var output = new StringBuilder();
        _process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await PingAsync(cancellationToken))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                Kill();
                lock (output)
                {
                    throw new InvalidOperationException($"redis-server did not start on port {Port}:\n{output}");
                }
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
