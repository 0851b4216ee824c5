using CraftFlow.DuplicateEval;

// Duplicate detection, measured through the real upload path: builds (or reuses) the labelled set, uploads it to
// a running API whose Worker processes it, and prints recall per variant kind, the false-duplicate rate and the
// colour-variant rate beside two baselines computed from the same designs' imagehash hashes.
// Usage: CraftFlow.DuplicateEval --api http://127.0.0.1:5000 [--set DIR] [--bases 150] [--distractors 600]
//        [--seed 11] [--source /usr/share/openclipart/png] [--deadline-seconds 1200]
//        CraftFlow.DuplicateEval --offline [--set DIR] ...: no API; the Worker's judgement replayed in process on the
//        same set (for tuning the detector; decoded appearances cached in DIR/offline-appearances)
bool offline = args.Contains("--offline");
var options = args.Where(arg => arg != "--offline").Chunk(2).Where(pair => pair.Length == 2 && pair[0].StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(pair => pair[0][2..], pair => pair[1], StringComparer.Ordinal);
if (!options.TryGetValue("api", out var apiUrl) && !offline)
{
    Console.Error.WriteLine("Usage: CraftFlow.DuplicateEval --api URL | --offline [--set DIR] [--bases N] [--distractors M] [--seed S] [--source DIR] [--deadline-seconds T]");
    return 2;
}

int Number(string name, int fallback) => options.TryGetValue(name, out var value) ? int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : fallback;
var parameters = new SetParameters(
    options.GetValueOrDefault("source", "/usr/share/openclipart/png"), Number("bases", 150), Number("distractors", 600), Number("seed", 11));
var setDirectory = options.GetValueOrDefault("set", Path.Combine("bench", "results", $"duplicates-{parameters.Bases}-{parameters.Distractors}-{parameters.Seed}"));

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

var clock = System.Diagnostics.Stopwatch.StartNew();
Console.WriteLine($"== set: {parameters.Bases} bases, {parameters.Distractors} distractors from {parameters.Source} (seed {parameters.Seed}) in {setDirectory}");
var set = await DuplicateSet.BuildOrLoadAsync(parameters, setDirectory, cancellation.Token);
Console.WriteLine($"   {set.Distinct.Count} distinct designs, {set.Related.Count} variants and colour variants, ready after {clock.Elapsed.TotalSeconds:F1} s");

RunOutcome outcome;
if (offline)
{
    Console.WriteLine("== offline: the Worker's judgement replayed in process");
    outcome = OfflineEvaluation.Run(set, Console.Out, cancellation.Token);
}
else
{
    Console.WriteLine($"== upload to {apiUrl}");
    using var http = new HttpClient { BaseAddress = new Uri(apiUrl!), Timeout = TimeSpan.FromMinutes(5) };
    var api = await CraftFlowApi.RegisterUserAsync(http, cancellation.Token);
    outcome = await new EvaluationRun(api, Console.Out).RunAsync(set, TimeSpan.FromSeconds(Number("deadline-seconds", 1200)), cancellation.Token);
}

ReportPrinter.Print(set, outcome, Evaluation.Score(set, outcome), Console.Out);
// A measurement: goals met or not, it succeeded; only a failed run (an exception above) exits non-zero.
return 0;
