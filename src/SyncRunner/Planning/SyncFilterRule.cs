namespace Ferry.SyncRunner.Planning;

/// <summary>One ordered include or exclude rule as the user gave it (<c>--include P</c> / <c>--exclude P</c>).</summary>
/// <param name="Include"><see langword="true"/> for an include rule, <see langword="false"/> for an exclude rule.</param>
/// <param name="Pattern">The pattern, in the juicefs sync guide's syntax ("匹配规则").</param>
public sealed record SyncFilterRule(bool Include, string Pattern);
