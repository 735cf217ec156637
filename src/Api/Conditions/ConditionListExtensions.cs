using k8s.Models;

namespace Ferry.Api.Conditions;

/// <summary>Find, set and remove conditions in a status' <c>conditions</c> list, one entry per type.</summary>
/// <remarks>Behaves like apimachinery's <c>meta.SetStatusCondition</c>, <c>FindStatusCondition</c>,
/// <c>RemoveStatusCondition</c> and <c>IsStatusConditionTrue</c>: <c>lastTransitionTime</c> moves only when the
/// status flips, while reason, message and observedGeneration follow the latest call.</remarks>
public static class ConditionListExtensions
{
    /// <summary>Returns the condition of the given type, or <see langword="null"/>.</summary>
    /// <param name="conditions">The list to search.</param>
    /// <param name="type">The condition type, compared ordinally.</param>
    /// <returns>The entry in the list (not a copy), or <see langword="null"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="conditions"/> or <paramref name="type"/> is null.</exception>
    public static V1Condition? FindCondition(this IEnumerable<V1Condition> conditions, string type)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        ArgumentNullException.ThrowIfNull(type);
        foreach (var condition in conditions)
        {
            if (string.Equals(condition.Type, type, StringComparison.Ordinal))
            {
                return condition;
            }
        }

        return null;
    }

    /// <summary>Whether the condition of the given type exists with status <c>True</c>.</summary>
    /// <param name="conditions">The list to search.</param>
    /// <param name="type">The condition type.</param>
    /// <returns><see langword="true"/> if the condition is present and <c>True</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="conditions"/> or <paramref name="type"/> is null.</exception>
    public static bool IsConditionTrue(this IEnumerable<V1Condition> conditions, string type) =>
        conditions.FindCondition(type)?.Status == ConditionStatus.True;

    /// <summary>Sets a condition: appends a copy when no condition of its type exists, otherwise updates the
    /// existing entry in place.</summary>
    /// <param name="conditions">The list to change.</param>
    /// <param name="newCondition">The desired condition. Its <c>lastTransitionTime</c> is used when it is set
    /// (not <see langword="default"/>) and the status is new or flips; otherwise the current time is used.</param>
    /// <param name="timeProvider">The clock for <c>lastTransitionTime</c>; times are truncated to whole seconds,
    /// the precision of <c>metav1.Time</c>.</param>
    /// <returns><see langword="true"/> if the list changed.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <remarks>apimachinery <c>meta.SetStatusCondition</c>: when the status is unchanged the transition time
    /// stays as it was, even if reason, message or observedGeneration change.</remarks>
    public static bool SetCondition(this IList<V1Condition> conditions, V1Condition newCondition, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        ArgumentNullException.ThrowIfNull(newCondition);
        ArgumentNullException.ThrowIfNull(timeProvider);

        var existing = conditions.FindCondition(newCondition.Type);
        if (existing is null)
        {
            conditions.Add(new V1Condition
            {
                Type = newCondition.Type,
                Status = newCondition.Status,
                ObservedGeneration = newCondition.ObservedGeneration,
                LastTransitionTime = TransitionTime(newCondition, timeProvider),
                Reason = newCondition.Reason,
                Message = newCondition.Message,
            });
            return true;
        }

        var changed = false;
        if (existing.Status != newCondition.Status)
        {
            existing.Status = newCondition.Status;
            existing.LastTransitionTime = TransitionTime(newCondition, timeProvider);
            changed = true;
        }

        if (existing.Reason != newCondition.Reason)
        {
            existing.Reason = newCondition.Reason;
            changed = true;
        }

        if (existing.Message != newCondition.Message)
        {
            existing.Message = newCondition.Message;
            changed = true;
        }

        if (existing.ObservedGeneration != newCondition.ObservedGeneration)
        {
            existing.ObservedGeneration = newCondition.ObservedGeneration;
            changed = true;
        }

        return changed;
    }

    /// <summary>Removes the condition of the given type.</summary>
    /// <param name="conditions">The list to change.</param>
    /// <param name="type">The condition type.</param>
    /// <returns><see langword="true"/> if a condition was removed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="conditions"/> or <paramref name="type"/> is null.</exception>
    public static bool RemoveCondition(this IList<V1Condition> conditions, string type)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        ArgumentNullException.ThrowIfNull(type);
        var removed = false;
        for (var i = conditions.Count - 1; i >= 0; i--)
        {
            if (string.Equals(conditions[i].Type, type, StringComparison.Ordinal))
            {
                conditions.RemoveAt(i);
                removed = true;
            }
        }

        return removed;
    }

    private static DateTime TransitionTime(V1Condition condition, TimeProvider timeProvider)
    {
        if (condition.LastTransitionTime != default)
        {
            return condition.LastTransitionTime;
        }

        var now = timeProvider.GetUtcNow().UtcTicks;
        return new DateTime(now - (now % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
    }
}
