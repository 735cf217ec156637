using System.Text;
using System.Text.Json;

namespace Ferry.SyncRunner.Jobs;

/// <summary>Structured log lines of <c>ferry worker</c>: one JSON object per line (<c>time</c>, <c>level</c>,
/// <c>msg</c>, and the run's <c>syncjob</c> and <c>holder</c>), what log collectors parse without configuration.</summary>
/// <remarks>Messages never carry credentials: the worker logs endpoints through
/// <see cref="SyncJobTranslator.Describe"/> and storage errors, whose texts mask secrets.</remarks>
/// <param name="output">Where lines go (standard error in a pod).</param>
/// <param name="syncJob">The SyncJob as <c>NAMESPACE/NAME</c>.</param>
/// <param name="holder">The worker's holder identity.</param>
/// <param name="time">The clock for timestamps.</param>
internal sealed class WorkerLog(TextWriter output, string syncJob, string holder, TimeProvider time)
{
    /// <summary>Writes an informational line.</summary>
    public void Info(string message) => Write("info", message);

    /// <summary>Writes an error line.</summary>
    public void Error(string message) => Write("error", message);

    private void Write(string level, string message)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("time", time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("level", level);
            json.WriteString("msg", message);
            json.WriteString("syncjob", syncJob);
            json.WriteString("holder", holder);
            json.WriteEndObject();
        }

        string line = Encoding.UTF8.GetString(buffer.ToArray());
        lock (output)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }
}
