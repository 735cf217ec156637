using Ferry.Api.Conditions;
using Ferry.Api.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using k8s;
using k8s.Models;

namespace Ferry.Api.Tests.Conditions;

public sealed class ConditionListExtensionsTests
{
    private static readonly DateTime T0 = new(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    private readonly FakeTimeProvider _clock = new(T0.AddTicks(1234567));

    private static V1Condition Make(string type, string status, string reason = "R", string message = "m", long? generation = 1) =>
        new() { Type = type, Status = status, Reason = reason, Message = message, ObservedGeneration = generation };

    [Fact]
    public void SetCondition_NewType_AppendsWithNowTruncatedToSeconds()
    {
        var list = new List<V1Condition>();

        var changed = list.SetCondition(Make("Ready", ConditionStatus.True), _clock);

        Assert.True(changed);
        var c = Assert.Single(list);
        Assert.Equal(("Ready", "True", "R", "m", 1L), (c.Type, c.Status, c.Reason, c.Message, c.ObservedGeneration!.Value));
        Assert.Equal(T0, c.LastTransitionTime);
    }

    [Fact]
    public void SetCondition_NewTypeWithTransitionTime_KeepsGivenTime()
    {
        var list = new List<V1Condition>();
        var given = T0.AddHours(-5);
        var condition = Make("Ready", ConditionStatus.False);
        condition.LastTransitionTime = given;

        list.SetCondition(condition, _clock);

        Assert.Equal(given, list[0].LastTransitionTime);
    }

    [Fact]
    public void SetCondition_SameStatus_KeepsTransitionTimeAndUpdatesReasonMessageGeneration()
    {
        var list = new List<V1Condition>();
        list.SetCondition(Make("Progressing", ConditionStatus.True, "Scanning", "listing", 1), _clock);
        _clock.Advance(TimeSpan.FromMinutes(3));

        var changed = list.SetCondition(Make("Progressing", ConditionStatus.True, "Copying", "copying", 2), _clock);

        Assert.True(changed);
        var c = Assert.Single(list);
        Assert.Equal(("Copying", "copying", 2L), (c.Reason, c.Message, c.ObservedGeneration!.Value));
        Assert.Equal(T0, c.LastTransitionTime);
    }

    [Fact]
    public void SetCondition_StatusFlips_MovesTransitionTimeToNow()
    {
        var list = new List<V1Condition>();
        list.SetCondition(Make("Complete", ConditionStatus.False), _clock);
        _clock.Advance(TimeSpan.FromSeconds(90));

        var changed = list.SetCondition(Make("Complete", ConditionStatus.True), _clock);

        Assert.True(changed);
        Assert.Equal(ConditionStatus.True, list[0].Status);
        Assert.Equal(T0.AddSeconds(90), list[0].LastTransitionTime);
    }

    [Fact]
    public void SetCondition_StatusFlipsWithGivenTime_UsesGivenTime()
    {
        var list = new List<V1Condition>();
        list.SetCondition(Make("Complete", ConditionStatus.False), _clock);
        var given = T0.AddDays(1);
        var flipped = Make("Complete", ConditionStatus.True);
        flipped.LastTransitionTime = given;

        list.SetCondition(flipped, _clock);

        Assert.Equal(given, list[0].LastTransitionTime);
    }

    [Fact]
    public void SetCondition_SameStatusWithGivenTime_IgnoresGivenTime()
    {
        var list = new List<V1Condition>();
        list.SetCondition(Make("Complete", ConditionStatus.False), _clock);
        var same = Make("Complete", ConditionStatus.False);
        same.LastTransitionTime = T0.AddDays(1);

        var changed = list.SetCondition(same, _clock);

        Assert.False(changed);
        Assert.Equal(T0, list[0].LastTransitionTime);
    }

    [Fact]
    public void SetCondition_Identical_ReturnsFalse()
    {
        var list = new List<V1Condition>();
        list.SetCondition(Make("Ready", ConditionStatus.True), _clock);
        _clock.Advance(TimeSpan.FromHours(1));

        Assert.False(list.SetCondition(Make("Ready", ConditionStatus.True), _clock));
        Assert.Equal(T0, list[0].LastTransitionTime);
    }

    [Fact]
    public void SetCondition_OtherTypes_LeftAlone()
    {
        var list = new List<V1Condition>();
        list.SetCondition(Make("A", ConditionStatus.True), _clock);
        list.SetCondition(Make("B", ConditionStatus.False), _clock);
        _clock.Advance(TimeSpan.FromMinutes(1));

        list.SetCondition(Make("B", ConditionStatus.True), _clock);

        Assert.Equal(["A", "B"], list.Select(c => c.Type));
        Assert.Equal((ConditionStatus.True, T0), (list[0].Status, list[0].LastTransitionTime));
        Assert.Equal(T0.AddMinutes(1), list[1].LastTransitionTime);
    }

    [Fact]
    public void SetCondition_New_StoresCopyNotCallersInstance()
    {
        var list = new List<V1Condition>();
        var mine = Make("Ready", ConditionStatus.True);

        list.SetCondition(mine, _clock);
        mine.Status = ConditionStatus.False;

        Assert.Equal(ConditionStatus.True, list[0].Status);
    }

    [Fact]
    public void RemoveCondition_Present_RemovesIt()
    {
        var list = new List<V1Condition>();
        list.SetCondition(Make("A", ConditionStatus.True), _clock);
        list.SetCondition(Make("B", ConditionStatus.True), _clock);

        Assert.True(list.RemoveCondition("A"));
        Assert.Equal(["B"], list.Select(c => c.Type));
    }

    [Fact]
    public void RemoveCondition_Absent_ReturnsFalse()
    {
        var list = new List<V1Condition> { Make("A", ConditionStatus.True) };

        Assert.False(list.RemoveCondition("B"));
        Assert.Single(list);
    }

    [Theory]
    [InlineData("True", true)]
    [InlineData("False", false)]
    [InlineData("Unknown", false)]
    public void IsConditionTrue_ByStatus(string status, bool expected)
    {
        var list = new List<V1Condition> { Make("Ready", status) };

        Assert.Equal(expected, list.IsConditionTrue("Ready"));
        Assert.False(list.IsConditionTrue("Other"));
    }

    [Fact]
    public void FindCondition_ReturnsEntryOrNull()
    {
        var list = new List<V1Condition> { Make("A", ConditionStatus.True), Make("B", ConditionStatus.False) };

        Assert.Same(list[1], list.FindCondition("B"));
        Assert.Null(list.FindCondition("b"));
    }

    /// <summary>For any sequence of calls: one entry per type, the latest status, reason and message win, and
    /// lastTransitionTime is the time of the last call that changed the status.</summary>
    [Fact]
    public void SetCondition_AnySequence_MatchesModel()
    {
        string[] types = ["Ready", "InSync", "Degraded"];
        string[] statuses = [ConditionStatus.True, ConditionStatus.False, ConditionStatus.Unknown];
        string[] reasons = ["A", "B"];
        var step =
            from type in Gen.Choose(0, 2)
            from status in Gen.Choose(0, 2)
            from reason in Gen.Choose(0, 1)
            from advance in Gen.Choose(0, 90)
            select (Type: type, Status: status, Reason: reason, Advance: advance);
        var steps = step.ListOf();

        Prop.ForAll(steps.ToArbitrary(), sequence =>
        {
            var clock = new FakeTimeProvider(T0);
            var list = new List<V1Condition>();
            var model = new Dictionary<string, (string Status, string Reason, DateTimeOffset Since)>();
            foreach (var step in sequence)
            {
                clock.Advance(TimeSpan.FromSeconds(step.Advance));
                var type = types[step.Type];
                var wanted = (Status: statuses[step.Status], Reason: reasons[step.Reason]);
                var expectChange = !model.TryGetValue(type, out var before) || before.Status != wanted.Status || before.Reason != wanted.Reason;
                model[type] = (wanted.Status, wanted.Reason,
                    model.TryGetValue(type, out var old) && old.Status == wanted.Status ? old.Since : clock.Now);

                var changed = list.SetCondition(Make(type, wanted.Status, wanted.Reason), clock);

                if (changed != expectChange)
                {
                    return false;
                }
            }

            return list.Count == model.Count && list.Select(c => c.Type).Distinct().Count() == list.Count &&
                list.All(c => model[c.Type] == (c.Status, c.Reason, c.LastTransitionTime));
        }).QuickCheckThrowOnFailure();
    }
}
