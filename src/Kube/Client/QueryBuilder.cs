using System.Text;

namespace Ferry.Kube.Client;

/// <summary>Accumulates URL query parameters, skipping null values.</summary>
internal sealed class QueryBuilder
{
    private readonly StringBuilder _sb = new();

    public QueryBuilder Add(string name, string? value)
    {
        if (value is null)
        {
            return this;
        }

        _sb.Append(_sb.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        return this;
    }

    public override string ToString() => _sb.ToString();

    public static implicit operator string(QueryBuilder builder) => builder.ToString();
}
