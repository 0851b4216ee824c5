using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestFramework("CraftFlow.Tests.Infrastructure.TestRunFramework", "CraftFlow.Tests")]

namespace CraftFlow.Tests.Infrastructure;

/// <summary>
/// xunit's hook for the end of the whole test run: shuts down the PostgreSQL server the run started. A
/// process-exit handler alone is not enough, since the test host may be ended before it runs.
/// </summary>
public sealed class TestRunFramework : XunitTestFramework
{
    public TestRunFramework(IMessageSink messageSink)
        : base(messageSink)
        => DisposalTracker.Add(new StopSharedServers());

    private sealed class StopSharedServers : IDisposable
    {
        public void Dispose() => TestPostgres.SignalShutdown();
    }
}
