namespace Ferry.Api.Common;

/// <summary>Regular expressions shared by the API's string fields (ECMA-262, as the CRD schema uses them).</summary>
public static class SchemaPatterns
{
    /// <summary>A Go <c>time.Duration</c> string of non-negative units, e.g. <c>90s</c> or <c>1h30m</c>; days are
    /// not a unit (write <c>168h</c> for a week).</summary>
    public const string Duration = @"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$";

    /// <summary>A Kubernetes quantity in bytes: a whole number with an optional binary (<c>Ki</c>…<c>Ei</c>)
    /// or decimal (<c>k</c>, <c>M</c>…<c>E</c>) suffix, e.g. <c>64Mi</c> or <c>1G</c>.</summary>
    public const string ByteQuantity = @"^[0-9]+([KMGTPE]i|[kMGTPE])?$";

    /// <summary>A whole percentage from 0% to 100%.</summary>
    public const string Percentage = @"^(100|[1-9]?[0-9])%$";

    /// <summary>An S3 storage class name, e.g. <c>STANDARD</c>, <c>STANDARD_IA</c>, <c>GLACIER_IR</c>, or a class a
    /// self-hosted store defines (Ceph placement targets): letters, digits, <c>_</c>, <c>-</c> and <c>.</c>, 1 to 64 of them.</summary>
    public const string StorageClass = @"^[A-Za-z0-9_.-]{1,64}$";

    /// <summary>A lower-case RFC 1123 label (DNS label), as used for names of at most 63 characters.</summary>
    public const string DnsLabel = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

    /// <summary>A lower-case RFC 1123 subdomain, as used for object names of at most 253 characters.</summary>
    public const string DnsSubdomain = @"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
}
