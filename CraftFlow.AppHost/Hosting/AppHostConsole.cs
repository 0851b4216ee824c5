using System.Globalization;
using System.Text;

namespace CraftFlow.AppHost.Hosting;

/// <summary>Where the AppHost writes: resource output prefixed with the resource's name, and the resource table.</summary>
public interface IAppHostConsole
{
    void Line(string resource, string text);

    void Warn(string resource, string text);

    void Table(IReadOnlyList<Resource> resources);
}

public sealed class AppHostConsole : IAppHostConsole
{
    private const int NameWidth = 12;
    private readonly Lock _gate = new();
    private string _lastTable = string.Empty;

    public void Line(string resource, string text)
    {
        lock (_gate)
        {
            Console.Out.WriteLine($"{resource.PadRight(NameWidth)}| {text}");
        }
    }

    public void Warn(string resource, string text)
    {
        lock (_gate)
        {
            Console.Error.WriteLine($"{resource.PadRight(NameWidth)}| warning: {text}");
        }
    }

    public void Table(IReadOnlyList<Resource> resources)
    {
        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture, $"{"RESOURCE",-NameWidth} {"STATE",-11} {"PID",-8} ENDPOINT");
        foreach (var resource in resources)
        {
            var pid = resource.ProcessId?.ToString(CultureInfo.InvariantCulture) ?? "-";
            table.AppendLine(CultureInfo.InvariantCulture, $"{resource.Name,-NameWidth} {resource.State,-11} {pid,-8} {resource.Endpoint ?? "-"}");
        }

        var text = table.ToString();
        lock (_gate)
        {
            // Several resources change state at once during start-up; print each distinct table once.
            if (text != _lastTable)
            {
                _lastTable = text;
                Console.Out.Write(text);
            }
        }
    }
}
