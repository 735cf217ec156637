using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Ferry.Api.Schema;

/// <summary>Reads the compiler's XML documentation files and turns <c>&lt;summary&gt;</c> and
/// <c>&lt;value&gt;</c> into plain one-line descriptions for the CRD schema, so that a field is documented in
/// one place (its doc comment) and <c>kubectl explain</c> shows the same text.</summary>
internal sealed partial class XmlDocumentation
{
    private readonly Dictionary<Assembly, Dictionary<string, XElement>> _byAssembly = [];

    /// <summary>The description of a type: its summary.</summary>
    public string Describe(Type type) => Render(Member(type.Assembly, "T:" + Name(type)), includeValue: false);

    /// <summary>The description of a property: its summary, then "Default: " and its value text if it has one.</summary>
    public string Describe(PropertyInfo property)
    {
        Type declaring = property.DeclaringType!;
        return Render(Member(declaring.Assembly, "P:" + Name(declaring) + "." + property.Name), includeValue: true);
    }

    private XElement? Member(Assembly assembly, string id)
    {
        if (!_byAssembly.TryGetValue(assembly, out Dictionary<string, XElement>? members))
        {
            string path = Path.ChangeExtension(assembly.Location, ".xml");
            if (!File.Exists(path))
            {
                throw new FileNotFoundException(
                    $"The XML documentation of {assembly.GetName().Name} is missing; CRD descriptions come from it.", path);
            }

            members = XDocument.Load(path).Root!.Element("members")!.Elements("member")
                .ToDictionary(m => (string)m.Attribute("name")!, m => m, StringComparer.Ordinal);
            _byAssembly[assembly] = members;
        }

        return members.GetValueOrDefault(id);
    }

    private static string Name(Type type) => (type.FullName ?? type.Name).Replace('+', '.');

    private static string Render(XElement? member, bool includeValue)
    {
        if (member is null)
        {
            return "";
        }

        string text = Text(member.Element("summary"));
        if (includeValue && member.Element("value") is { } value)
        {
            text += " Default: " + DefaultText(Text(value));
        }

        return text.Trim();
    }

    /// <summary>Makes a <c>&lt;value&gt;</c> read well after "Default:": "Empty: the whole bucket." becomes
    /// "empty (the whole bucket).".</summary>
    private static string DefaultText(string value)
    {
        if (LowerCaseLead().IsMatch(value))
        {
            value = char.ToLowerInvariant(value[0]) + value[1..];
        }

        Match explained = Explained().Match(value);
        return explained.Success ? $"{explained.Groups[1].Value} ({explained.Groups[2].Value})." : value;
    }

    private static string Text(XElement? element)
    {
        if (element is null)
        {
            return "";
        }

        var builder = new StringBuilder();
        Append(element, builder);
        return Whitespace().Replace(builder.ToString(), " ").Trim();
    }

    private static void Append(XElement element, StringBuilder builder)
    {
        foreach (XNode node in element.Nodes())
        {
            switch (node)
            {
                case XText text:
                    builder.Append(text.Value);
                    break;
                case XElement { Name.LocalName: "see" or "seealso" } see:
                    builder.Append(Reference(see));
                    break;
                case XElement { Name.LocalName: "paramref" or "typeparamref" } reference:
                    builder.Append((string?)reference.Attribute("name"));
                    break;
                case XElement child:
                    Append(child, builder);
                    break;
            }
        }
    }

    private static string Reference(XElement see)
    {
        if ((string?)see.Attribute("langword") is { } langword)
        {
            return langword;
        }

        if (!see.IsEmpty)
        {
            return see.Value;
        }

        string cref = (string?)see.Attribute("cref") ?? "";
        string name = cref[(cref.LastIndexOf('.') + 1)..];
        return cref.StartsWith("P:", StringComparison.Ordinal) || cref.StartsWith("F:", StringComparison.Ordinal)
            ? JsonNamingPolicy.CamelCase.ConvertName(name)
            : name;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"^(Empty|None|No|Never|Not)\b")]
    private static partial Regex LowerCaseLead();

    [GeneratedRegex(@"^([^:]+): (.+?)\.?$")]
    private static partial Regex Explained();
}
