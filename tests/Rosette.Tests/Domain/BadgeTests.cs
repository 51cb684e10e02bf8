using Rosette.Domain;
using Rosette.Domain.Badges;
using Rosette.Domain.Organizations;
using static Rosette.Tests.Domain.OrganizationTree;

namespace Rosette.Tests.Domain;

public sealed class BadgeTests
{
    [Theory]
    [InlineData("First Aid", "Gave first aid.", 365, null, null)]
    [InlineData("First Aid", "Gave first aid.", null, null, null)]
    [InlineData("  ", "Gave first aid.", null, "validation_failed", "name")]
    [InlineData("First Aid", null, null, "validation_failed", "description")]
    [InlineData("First Aid", "Gave first aid.", 0, "validation_failed", "validityDays")]
    [InlineData("First Aid", "Gave first aid.", Badge.MaxValidityDays + 1, "validation_failed", "validityDays")]
    [InlineData("First Aid", "Gave first aid.", Badge.MaxValidityDays, null, null)]
    [InlineData(null, null, 0, "validation_failed", "description,name,validityDays")]
    public void Create_NeedsANameAndADescription_AndAValidityInRange(string? name, string? description, int? validityDays, string? code, string? fields)
    {
        var created = Badge.Create(name, description, null, A, true, validityDays, [], Now);

        Assert.Equal(code, created.Error?.Code);
        Assert.Equal(fields, (created.Error as InvalidError)?.Fields is { } named ? string.Join(",", named.Keys.Order()) : null);
    }

    [Theory]
    [InlineData("A1", null)]
    [InlineData("A", "invalid_availability")]
    [InlineData("B", "invalid_availability")]
    [InlineData("Root", "invalid_availability")]
    public void Create_IsMadeAvailableOnlyToDescendantsOfItsOrganization(string organization, string? code)
    {
        var to = new Dictionary<string, Organization> { ["A1"] = A1, ["A"] = A, ["B"] = B, ["Root"] = Root }[organization];

        var created = Badge.Create("First Aid", "Gave first aid.", null, A, true, null, [to], Now);

        Assert.Equal(code, created.Error?.Code);
        Assert.Equal(code is null ? new[] { to.Id } : null, created.IsSuccess ? created.Value.Availability.Select(a => a.OrganizationId).ToArray() : null);
    }

    [Fact]
    public void Update_LeavesWhatItIsNotGiven_AndClearsTheValidityOnlyWhenAsked()
    {
        var badge = Badge.Create("First Aid", "Gave first aid.", "Pass the exam.", A, true, 365, [A1], Now).Value;

        Assert.Null(badge.Update(new BadgeChanges(null, null, null, null, Archived: true, null, false, null), A, Now.AddDays(1)));
        Assert.Equal(("First Aid", "Gave first aid.", "Pass the exam.", true, true, (int?)365, 1), Shape(badge));

        Assert.Null(badge.Update(new BadgeChanges("CPR", null, null, AllowManualIssuance: false, Archived: false, null, ClearValidity: true, []), A, Now.AddDays(2)));
        Assert.Equal(("CPR", "Gave first aid.", "Pass the exam.", false, false, (int?)null, 0), Shape(badge));
        Assert.Equal(Now.AddDays(2), badge.UpdatedAt);
    }

    [Fact]
    public void Update_RefusedChangesNothing()
    {
        var badge = Badge.Create("First Aid", "Gave first aid.", null, A, true, 365, [], Now).Value;

        var error = badge.Update(new BadgeChanges("CPR", null, null, false, true, 0, false, null), A, Now.AddDays(1));

        Assert.Equal("validityDays", Assert.Single(((InvalidError)error!).Fields!).Key);
        Assert.Equal(("First Aid", "Gave first aid.", (string?)null, true, false, (int?)365, 0), Shape(badge));
        Assert.Equal(Now, badge.UpdatedAt);
    }

    [Theory]
    [InlineData(365, "2026-03-01T12:00:00", "2027-03-01T12:00:00")]
    [InlineData(1, "2026-02-28T23:59:59", "2026-03-01T23:59:59")]
    [InlineData(null, "2026-03-01T12:00:00", null)]
    public void ExpiryFor_IsTheIssueTimePlusTheValidityDays_OrNever(int? validityDays, string issuedAt, string? expiresAt)
    {
        var badge = Badge.Create("First Aid", "Gave first aid.", null, A, true, validityDays, [], Now).Value;

        Assert.Equal(expiresAt is null ? null : Utc(expiresAt), badge.ExpiryFor(Utc(issuedAt)));
    }

    [Fact]
    public void SetLifecycle_KeepsReminderDaysDistinct_LargestFirst_AndLeavesWhatItIsNotGiven()
    {
        var badge = Badge.Create("First Aid", "Gave first aid.", null, A, true, 365, [], Now).Value;
        Assert.Equal(Badge.DefaultReminderDays, badge.ReminderDays);

        Assert.Null(badge.SetLifecycle(new BadgeLifecycle(10, [0, 14, 7, 14], false, "Retake the course."), Now));
        Assert.Null(badge.SetLifecycle(new BadgeLifecycle(null, null, null, null), Now));

        Assert.Equal([14, 7, 0], badge.ReminderDays);
        Assert.Equal((10, false, "Retake the course."), (badge.RenewalWindowDays, badge.SendReminders, badge.RenewalInstructions));
    }

    [Theory]
    [InlineData(-1, null, "renewalWindowDays")]
    [InlineData(Badge.MaxValidityDays + 1, null, "renewalWindowDays")]
    [InlineData(null, new[] { -1 }, "reminderDays")]
    [InlineData(null, new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 }, "reminderDays")]
    [InlineData(0, new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, null)]
    public void SetLifecycle_RefusesAWindowOrRemindersOutOfRange(int? windowDays, int[]? reminderDays, string? field)
    {
        var badge = Badge.Create("First Aid", "Gave first aid.", null, A, true, 365, [], Now).Value;

        var error = badge.SetLifecycle(new BadgeLifecycle(windowDays, reminderDays, null, null), Now);

        Assert.Equal(field, (error as InvalidError)?.Fields?.Keys.Single());
        Assert.Equal(field is null ? windowDays : Rosette.Domain.Issuance.RenewalRules.DefaultWindowDays, badge.RenewalWindowDays);
    }

    private static (string, string, string?, bool, bool, int?, int) Shape(Badge b) =>
        (b.Name, b.Description, b.Criteria, b.AllowManualIssuance, b.IsArchived, b.ValidityDays, b.Availability.Count);

    private static DateTime Utc(string text) => DateTime.SpecifyKind(DateTime.Parse(text, System.Globalization.CultureInfo.InvariantCulture), DateTimeKind.Utc);
}
