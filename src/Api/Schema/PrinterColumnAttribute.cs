namespace Ferry.Api.Schema;

/// <summary>An <c>additionalPrinterColumns</c> entry: a column <c>kubectl get</c> shows for the resource.</summary>
/// <param name="name">The column header.</param>
/// <param name="type">The OpenAPI type: <c>string</c>, <c>integer</c>, <c>number</c>, <c>boolean</c> or <c>date</c>.</param>
/// <param name="jsonPath">A simple JSONPath into the object, e.g. <c>.status.phase</c>.</param>
/// <remarks>Columns appear in declaration order. Kubernetes documentation, "Additional printer columns".</remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class PrinterColumnAttribute(string name, string type, string jsonPath) : Attribute
{
    /// <summary>The column header.</summary>
    public string Name { get; } = name;

    /// <summary>The OpenAPI type of the column.</summary>
    public string Type { get; } = type;

    /// <summary>The JSONPath of the value.</summary>
    public string JsonPath { get; } = jsonPath;

    /// <summary>A short description of the column.</summary>
    /// <value>Empty: none.</value>
    public string Description { get; init; } = "";

    /// <summary>0 for the default view; higher values appear only with <c>-o wide</c>.</summary>
    /// <value>0.</value>
    public int Priority { get; init; }
}
