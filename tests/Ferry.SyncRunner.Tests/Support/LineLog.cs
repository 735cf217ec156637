using System.Text;

namespace Ferry.SyncRunner.Tests.Support;

/// <summary>A thread-safe writer that keeps every line written to it, for output of a command that runs on other
/// threads while the test reads it.</summary>
public sealed class LineLog : TextWriter
{
    private readonly object _lock = new();
    private readonly List<string> _lines = [];
    private readonly StringBuilder _current = new();

    public override Encoding Encoding => Encoding.UTF8;

    /// <summary>The complete lines so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lock)
            {
                return [.. _lines];
            }
        }
    }

    public override void Write(char value)
    {
        lock (_lock)
        {
            if (value == '\n')
            {
                _lines.Add(_current.ToString().TrimEnd('\r'));
                _current.Clear();
            }
            else
            {
                _current.Append(value);
            }
        }
    }

    public override void Write(string? value)
    {
        foreach (char c in value ?? "")
        {
            Write(c);
        }
    }

    public override void WriteLine(string? value) => Write((value ?? "") + "\n");

    public override string ToString() => string.Join('\n', Lines);
}
