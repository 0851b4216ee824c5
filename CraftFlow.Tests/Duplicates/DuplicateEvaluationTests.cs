using CraftFlow.DuplicateEval;
using CraftFlow.Tests.ApiCaching;
using Xunit.Abstractions;

namespace CraftFlow.Tests.Duplicates;

/// <summary>
/// The small version of bench/duplicates/run.sh: the same labelled set builder and runner, through the API and the
/// Worker in-process on a real PostgreSQL and redis-server (the fixture that starts both).
/// </summary>
public sealed class DuplicateEvaluationTests(WorkerEvictionTests.Fixture fixture, ITestOutputHelper output)
    : IClassFixture<WorkerEvictionTests.Fixture>
{
    private const string Source = "/usr/share/openclipart/png";

    // Thresholds fair for 12 bases: one miss of a kind is 8 points. The full run's goals are 97 / 1 / 90 %.
    private const double OverallRecall = 0.90;
    private const double KindRecall = 0.75;

    private static readonly TimeSpan PhaseDeadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Variants_of_a_small_labelled_set_are_found_and_no_distinct_design_is_flagged()
    {
        Assert.True(Directory.Exists(Source), $"{Source} is missing: the duplicate evaluation needs Debian's openclipart-png (apt-get install -y openclipart-png).");
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var directory = Path.Combine(Path.GetTempPath(), $"craftflow-duplicate-set-{Guid.NewGuid():N}");
        try
        {
            var set = await DuplicateSet.BuildOrLoadAsync(new SetParameters(Source, Bases: 12, Distractors: 40, Seed: 11), directory, cancellation.Token);
            fixture.StartWorker();
            using var client = await fixture.CreateUserClientAsync();
            using var log = new StringWriter();
            var outcome = await new EvaluationRun(new CraftFlowApi(client), log).RunAsync(set, PhaseDeadline, cancellation.Token);
            var scores = Evaluation.Score(set, outcome);
            ReportPrinter.Print(set, outcome, scores, log);
            output.WriteLine(log.ToString());

            var craftFlow = scores.Single(s => s.Name == Evaluation.CraftFlow);
            Assert.Empty(outcome.Refused);
            Assert.Empty(craftFlow.FalseDuplicates);
            Assert.True((double)craftFlow.Found / craftFlow.Variants >= OverallRecall, $"overall recall {craftFlow.Found}/{craftFlow.Variants}, below {OverallRecall:P0}");
            Assert.All(craftFlow.Kinds, kind => Assert.True(kind.Recall >= KindRecall, $"{kind.Kind}: recall {kind.Found}/{kind.Files}, below {KindRecall:P0}"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
