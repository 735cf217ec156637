using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>batch/v1 PodFailurePolicyRule: one action for failures matching exit codes or pod conditions.</summary>
public sealed class PodFailurePolicyRule
{
    /// <summary><c>FailJob</c>, <c>FailIndex</c>, <c>Ignore</c> or <c>Count</c>.</summary>
    [JsonPropertyName("action")]
    public string Action { get; set; } = "";

    /// <summary>Matches container exit codes.</summary>
    [JsonPropertyName("onExitCodes")]
    public PodFailurePolicyOnExitCodesRequirement? OnExitCodes { get; set; }

    /// <summary>Matches pod conditions, e.g. <c>DisruptionTarget</c>.</summary>
    [JsonPropertyName("onPodConditions")]
    public List<PodFailurePolicyOnPodConditionsPattern>? OnPodConditions { get; set; }
}
