using System.Diagnostics.Metrics;
using Npgsql;

namespace CraftFlow.Api.Admin;

/// <summary>
/// Reads a pool's connection figures from Npgsql's own metrics (the <c>Npgsql</c> meter's observable
/// <c>db.client.connection.count</c> and <c>db.client.connection.max</c>): Npgsql keeps its pool statistics
/// internal, and the meter is what it publishes of them, the same figures an OpenTelemetry exporter sees.
/// </summary>
public sealed class NpgsqlPoolMetrics : IDisposable
{
    private const string MeterName = "Npgsql";
    private const string ConnectionCount = "db.client.connection.count";
    private const string ConnectionMax = "db.client.connection.max";
    private const string PoolNameTag = "db.client.connection.pool.name";
    private const string StateTag = "db.client.connection.state";

    private readonly MeterListener _listener = new();
    private readonly Lock _reading = new();

    // Written only by the measurement callback, which runs on the reading thread inside the lock.
    private string? _pool;
    private bool _seen;
    private int _idle;
    private int _used;
    private int _max;

    public NpgsqlPoolMetrics()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == MeterName && instrument.Name is ConnectionCount or ConnectionMax)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<int>(OnMeasurement);
        _listener.Start();
    }

    /// <summary>
    /// Npgsql names a pool after its data source: the name given to the builder, or else the connection
    /// string without its password.
    /// </summary>
    public static string PoolName(NpgsqlDataSource dataSource)
        => new NpgsqlConnectionStringBuilder(dataSource.ConnectionString) { Password = null }.ToString();

    /// <summary>The pool's figures now, or null when Npgsql reports no pool of that name.</summary>
    public PoolFigures? Read(string poolName)
    {
        lock (_reading)
        {
            (_pool, _seen, _idle, _used, _max) = (poolName, false, 0, 0, 0);
            _listener.RecordObservableInstruments();
            return _seen ? new PoolFigures(_used, _idle, _max) : null;
        }
    }

    public void Dispose() => _listener.Dispose();

    private void OnMeasurement(Instrument instrument, int value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        string? pool = null;
        string? connectionState = null;
        foreach (var (key, tagValue) in tags)
        {
            if (key == PoolNameTag)
            {
                pool = tagValue as string;
            }
            else if (key == StateTag)
            {
                connectionState = tagValue as string;
            }
        }

        if (pool != _pool)
        {
            return;
        }

        _seen = true;
        if (instrument.Name == ConnectionMax)
        {
            _max = value;
        }
        else if (connectionState == "idle")
        {
            _idle = value;
        }
        else if (connectionState == "used")
        {
            _used = value;
        }
    }
}
