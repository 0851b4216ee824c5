using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace CraftFlow.ServiceDefaults.Telemetry;

/// <summary>CraftFlow's own trace source and meter, exported next to the platform's.</summary>
public static class CraftFlowTelemetry
{
    public const string Name = "CraftFlow";

    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Meter Meter = new(Name);

    /// <summary>Sources the platform emits natively (no instrumentation packages needed).</summary>
    public static readonly string[] TraceSources = ["Microsoft.AspNetCore", "System.Net.Http", "Npgsql", Name];

    public static readonly string[] Meters =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "System.Net.Http",
        "System.Runtime",
        "Npgsql",
        "Microsoft.EntityFrameworkCore",
        Name,
    ];
}
