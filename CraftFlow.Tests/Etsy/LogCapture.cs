using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace CraftFlow.Tests.Etsy;

/// <summary>
/// Every formatted log message of the process's hosts while it lives, from the EventSource logging provider that
/// WebApplication registers by default: what a log sink would receive, without changing how the hosts are built.
/// </summary>
public sealed class LogCapture : EventListener
{
    private const string LoggingSource = "Microsoft-Extensions-Logging";

    private const EventKeywords FormattedMessage = (EventKeywords)4;

    private readonly ConcurrentQueue<LogMessage> _messages = new();

    private readonly bool _enabled;

    public LogCapture()
    {
        _enabled = true;
        foreach (var source in EventSource.GetSources().Where(s => s.Name == LoggingSource))
        {
            EnableEvents(source, EventLevel.Verbose, FormattedMessage);
        }
    }

    public IReadOnlyList<LogMessage> Messages => [.. _messages];

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        // Runs from the base constructor before ours, for sources that already exist; those are enabled above.
        if (_enabled && eventSource.Name == LoggingSource)
        {
            EnableEvents(eventSource, EventLevel.Verbose, FormattedMessage);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName == "FormattedMessage" && eventData.Payload is { } payload && eventData.PayloadNames is { } names)
        {
            var fields = names.Zip(payload).ToDictionary(p => p.First, p => p.Second);
            _messages.Enqueue(new LogMessage(
                (Microsoft.Extensions.Logging.LogLevel)Convert.ToInt32(fields["Level"], System.Globalization.CultureInfo.InvariantCulture),
                fields["LoggerName"]?.ToString() ?? string.Empty,
                fields["FormattedMessage"]?.ToString() ?? string.Empty));
        }
    }
}

public sealed record LogMessage(Microsoft.Extensions.Logging.LogLevel Level, string Category, string Text);
