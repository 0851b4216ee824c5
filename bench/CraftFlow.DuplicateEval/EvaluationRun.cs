using System.Diagnostics;

namespace CraftFlow.DuplicateEval;

/// <summary>What the API made of the set: every design read back, the files it refused, and how long each phase took.</summary>
public sealed record RunOutcome(IReadOnlyList<DesignRecord> Designs, IReadOnlyList<RefusedFile> Refused, TimeSpan DistinctPhase, TimeSpan RelatedPhase);

/// <summary>
/// Puts the set through the real upload path: the distinct designs first, and only when all of their batches are
/// completed the variants, so that every variant's base is already in the library when the Worker judges it.
/// </summary>
public sealed class EvaluationRun(CraftFlowApi api, TextWriter log)
{
    public async Task<RunOutcome> RunAsync(DuplicateSet set, TimeSpan phaseDeadline, CancellationToken cancellationToken)
    {
        var refused = new List<RefusedFile>();
        var clock = Stopwatch.StartNew();
        await UploadAndWaitAsync("distinct designs", set, set.Distinct, refused, phaseDeadline, cancellationToken);
        var distinctPhase = clock.Elapsed;
        clock.Restart();
        await UploadAndWaitAsync("variants and colour variants", set, set.Related, refused, phaseDeadline, cancellationToken);
        var relatedPhase = clock.Elapsed;
        var designs = await api.ListDesignsAsync(cancellationToken);
        return new RunOutcome(designs, refused, distinctPhase, relatedPhase);
    }

    private async Task UploadAndWaitAsync(
        string what, DuplicateSet set, IReadOnlyList<SetFile> files, List<RefusedFile> refused, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var batches = new List<Guid>();
        foreach (var chunk in files.Chunk(CraftFlowApi.MaxFilesPerRequest))
        {
            var accepted = await api.UploadAsync([.. chunk.Select(set.PathOf)], cancellationToken);
            batches.Add(accepted.BatchId);
            refused.AddRange(accepted.RefusedFiles);
        }

        log.WriteLine($"   {files.Count} {what} uploaded in {batches.Count} request(s), {clock.Elapsed.TotalSeconds:F1} s");
        await WaitForBatchesAsync(batches, clock, deadline, cancellationToken);
        log.WriteLine($"   ... all processed after {clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>Polls every batch not yet completed, backing off from 100 ms to 1 s, until all are or the deadline passes.</summary>
    private async Task WaitForBatchesAsync(List<Guid> batches, Stopwatch clock, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var pending = new Queue<Guid>(batches);
        var pause = TimeSpan.FromMilliseconds(100);
        while (pending.TryPeek(out var batchId))
        {
            var batch = await api.GetBatchAsync(batchId, cancellationToken);
            if (batch.Status == "completed")
            {
                pending.Dequeue();
                continue;
            }

            if (clock.Elapsed > deadline)
            {
                throw new TimeoutException(
                    $"Upload batch {batchId} not completed after {deadline.TotalSeconds:0} s ({batch.Processed} processed, {batch.Duplicates} duplicates, {batch.Failed} failed, {batch.Pending} pending of {batch.TotalFiles}).");
            }

            await Task.Delay(pause, cancellationToken);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
        }
    }
}
