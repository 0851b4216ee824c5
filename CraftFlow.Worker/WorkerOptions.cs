using System.ComponentModel.DataAnnotations;
using CraftFlow.Data.Jobs;

namespace CraftFlow.Worker;

/// <summary>
/// The Worker's process settings (DESIGN.md section 3): the <c>Worker</c> section, which WORKER_CONCURRENCY and
/// WORKER_CONCURRENCY_&lt;QUEUE&gt; feed through the service defaults' one reader of Railway's variables.
/// </summary>
public sealed class WorkerOptions : IValidatableObject
{
    public const string SectionName = "Worker";
    public const int MaxConcurrency = 64;

    /// <summary>Jobs each queue's consumer runs at once in this process.</summary>
    [Range(1, MaxConcurrency)]
    public int Concurrency { get; set; } = 2;

    /// <summary>
    /// Per-queue overrides (e.g. WORKER_CONCURRENCY_IMAGE_PROCESSING=1 where image jobs need the memory);
    /// 0 turns a queue's consumer off in this process.
    /// </summary>
    public Dictionary<string, int> QueueConcurrency { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public int ConcurrencyFor(string queue) => QueueConcurrency.GetValueOrDefault(queue, Concurrency);

    public static WorkerOptions Read(IConfiguration configuration) =>
        configuration.GetSection(SectionName).Get<WorkerOptions>() ?? new WorkerOptions();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (queue, concurrency) in QueueConcurrency)
        {
            if (!JobQueues.All.Contains(queue, StringComparer.OrdinalIgnoreCase))
            {
                yield return new ValidationResult(
                    $"WORKER_CONCURRENCY_{queue.ToUpperInvariant()} names no queue; the queues are {string.Join(", ", JobQueues.All)}.");
            }
            else if (concurrency is < 0 or > MaxConcurrency)
            {
                yield return new ValidationResult(
                    $"WORKER_CONCURRENCY_{queue.ToUpperInvariant()} must be a whole number from 0 to {MaxConcurrency}, got {concurrency}.");
            }
        }
    }
}
