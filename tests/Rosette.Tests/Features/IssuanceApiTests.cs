using System.Buffers.Binary;
using System.Buffers.Text;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain.Issuance;
using Rosette.Features.Issuance;
using Rosette.Infrastructure.Http;
using Rosette.Infrastructure.Outbox;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

public sealed class IssuanceApiTests(AppFixture app) : IClassFixture<AppFixture>
{
    private static string Url(World world) => $"/api/v1/classes/{world.Class.Id}/badge-issuances";

    [Fact]
    public async Task IssueBadges_MixOfSuccessesAndFailures_ReportsEachPairWithTheSeedsWarning()
    {
        var world = await app.NewWorldAsync();
        var instructor = await app.ClientAsync(world.ContractInstructor);

        var result = await (await instructor.PostJsonAsync(Url(world), new
        {
            badgeIds = new[] { world.Manual.Id, world.NoManual.Id },
            studentIds = new[] { world.StudentA1.Id, world.StudentB1.Id },
        })).IsOkAsync<IssueBadgesResult>();

        Assert.Equal(2, result.Issued.Count);
        Assert.All(result.Issued, i => Assert.Equal(world.Manual.Id, i.BadgeId));
        Assert.Equal(2, result.Failed.Count);
        Assert.All(result.Failed, f => Assert.Equal(("manual_issuance_disabled", world.NoManual.Id), (f.Code, f.BadgeId)));
        Assert.Equal("Warning: Not all badges were successfully issued. See the Failed Badge list for details.", result.Warning);
        var award = await app.Factory.WithDbAsync(db => db.Awards.SingleAsync(a => a.Id == result.Issued[0].AwardId));
        Assert.Equal((AwardSource.Roster, world.ContractInstructor.Id, world.Class.Id, result.Id), (award.Source, award.IssuedById, award.ClassId, award.BatchId));
        Assert.Equal(0, award.IssuedAt.Ticks % TimeSpan.TicksPerSecond);
    }

    [Fact]
    public async Task IssueBadges_AwardIdsAscendInTheBatchsWriteOrder_WhateverTheRequestsOrder()
    {
        // The awards are written in (badge, student) order (AwardIssuer), and each gets an id above the one before it
        // (Award.NumberInOrder), so the key and the newest-first list take the batch as one run at their ends. The request
        // lists badges and students in the opposite order; the database's own order of the ids must be the write order.
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var badges = new[] { world.Manual.Id, world.Manual2.Id }.OrderDescending().ToArray();
        var students = world.ClassStudents.Select(s => s.Id).OrderDescending().ToArray();

        var result = await (await admin.PostJsonAsync(Url(world), new { badgeIds = badges, studentIds = students })).IsOkAsync<IssueBadgesResult>();

        Assert.Equal(8, result.Issued.Count);
        var (byId, byPair) = await app.Factory.WithDbAsync(async db =>
        {
            var ofBatch = db.Awards.Where(a => a.BatchId == result.Id);
            return (await ofBatch.OrderBy(a => a.Id).Select(a => a.Id).ToListAsync(),
                await ofBatch.OrderBy(a => a.BadgeId).ThenBy(a => a.StudentId).Select(a => a.Id).ToListAsync());
        });
        Assert.Equal(8, byId.Count);
        Assert.Equal(byPair, byId);
        Assert.Equal(byPair, byPair.Order());
    }

    [Fact]
    public void InCanonicalOrder_KeepsRowsAlreadyInOrder_AndSortsRowsThatAreNot()
    {
        // The handler lists badges and students in id order, so its pairs need no sort; any other caller's rows are sorted.
        var (b1, b2) = (new Guid("10000000-0000-0000-0000-000000000000"), new Guid("20000000-0000-0000-0000-000000000000"));
        var (s1, s2) = (new Guid("00000000-0000-0000-0000-00000000000a"), new Guid("a0000000-0000-0000-0000-000000000000"));
        List<(Guid BadgeId, Guid StudentId)> ordered = [(b1, s1), (b1, s2), (b2, s1), (b2, s2)];

        Assert.Same(ordered, AwardIssuer.InCanonicalOrder(ordered, p => p));
        Assert.Equal(ordered, AwardIssuer.InCanonicalOrder([(b2, s2), (b1, s2), (b2, s1), (b1, s1)], p => p));
        Assert.Equal(ordered, AwardIssuer.InCanonicalOrder([(b1, s1), (b1, s2), (b2, s2), (b2, s1)], p => p));
    }

    [Fact]
    public async Task IssueBadges_EveryFailureCode_IsReportedPerPair()
    {
        var world = await app.NewWorldAsync();
        var instructor = await app.ClientAsync(world.OrgInstructor);
        var unknownBadge = Guid.NewGuid();
        var unknownStudent = Guid.NewGuid();

        var result = await (await instructor.PostJsonAsync(Url(world), new
        {
            badgeIds = new[] { world.Manual.Id, world.NoManual.Id, world.Archived.Id, world.BadgeB.Id, unknownBadge },
            studentIds = new[] { world.StudentA1.Id, world.StudentB1.Id, world.StudentOutside.Id, unknownStudent, world.OrgInstructor.Id },
        })).IsOkAsync<IssueBadgesResult>();

        string CodeOf(Guid badge, Guid student) => result.Failed.Single(f => f.BadgeId == badge && f.StudentId == student).Code;
        Assert.Equal(world.StudentA1.Id, Assert.Single(result.Issued).StudentId);
        Assert.Equal(24, result.Failed.Count);
        Assert.Equal("manual_issuance_disabled", CodeOf(world.NoManual.Id, world.StudentA1.Id));
        Assert.Equal("badge_archived", CodeOf(world.Archived.Id, world.StudentA1.Id));
        // A badge of an organization the instructor does not administer: no more than an unknown id (the message too, but
        // for the id); the administrator of both organizations is told why.
        Assert.Equal("unknown_badge", CodeOf(world.BadgeB.Id, world.StudentA1.Id));
        Assert.Equal("unknown_badge", CodeOf(unknownBadge, world.StudentA1.Id));
        Assert.Equal(result.Failed.Single(f => f.BadgeId == unknownBadge && f.StudentId == world.StudentA1.Id).Message.Replace(unknownBadge.ToString(), world.BadgeB.Id.ToString()),
            result.Failed.Single(f => f.BadgeId == world.BadgeB.Id && f.StudentId == world.StudentA1.Id).Message);
        var byAdministrator = await (await (await app.ClientAsync(world.AdminRoot)).PostJsonAsync(Url(world), new
        {
            badgeIds = new[] { world.BadgeB.Id }, studentIds = new[] { world.StudentA1.Id },
        })).IsOkAsync<IssueBadgesResult>();
        Assert.Equal("badge_not_in_class_organization", Assert.Single(byAdministrator.Failed).Code);
        Assert.Equal("student_not_selectable", CodeOf(world.Manual.Id, world.StudentB1.Id));
        // Not enrolled and not theirs to see: the instructor learns no more than of an unknown id (LeastDisclosureTests).
        Assert.Equal("unknown_student", CodeOf(world.Manual.Id, world.StudentOutside.Id));
        Assert.Equal("unknown_student", CodeOf(world.Manual.Id, unknownStudent));
        Assert.Equal("unknown_student", CodeOf(world.Manual.Id, world.OrgInstructor.Id));
        Assert.All(result.Failed, f => Assert.False(string.IsNullOrWhiteSpace(f.Message)));
    }

    [Fact]
    public async Task IssueBadges_SecondTime_ReportsAlreadyEarnedWithTheDate_AndRevocationAllowsAgain()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var body = new { badgeIds = new[] { world.Manual.Id }, studentIds = new[] { world.StudentA2.Id } };

        var first = await (await admin.PostJsonAsync(Url(world), body)).IsOkAsync<IssueBadgesResult>();
        var second = await (await admin.PostJsonAsync(Url(world), body)).IsOkAsync<IssueBadgesResult>();
        var failure = Assert.Single(second.Failed);
        Assert.Equal("already_earned", failure.Code);
        Assert.Contains(first.Issued[0].IssuedAt.ToString("yyyy-MM-dd HH:mm"), failure.Message, StringComparison.Ordinal);
        Assert.Empty(second.Issued);

        (await admin.PostJsonAsync($"/api/v1/awards/{first.Issued[0].AwardId}/revocation", new { reason = "Issued by mistake" })).EnsureSuccessStatusCode();
        var third = await (await admin.PostJsonAsync(Url(world), body)).IsOkAsync<IssueBadgesResult>();

        Assert.Single(third.Issued);
        Assert.Null(third.Warning);
    }

    [Fact]
    public async Task IssueBadges_RepeatedIds_CountOnce()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);

        var result = await (await admin.PostJsonAsync(Url(world), new
        {
            badgeIds = new[] { world.Manual.Id, world.Manual.Id },
            studentIds = new[] { world.StudentA1.Id, world.StudentA1.Id, world.StudentA1.Id },
        })).IsOkAsync<IssueBadgesResult>();

        Assert.Single(result.Issued);
        Assert.Empty(result.Failed);
    }

    [Fact]
    public async Task IssueBadges_BadRequests_Answer400()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var tooManyStudents = Enumerable.Range(0, 20_001).Select(_ => Guid.NewGuid()).ToArray();
        var tooManyPairs = Enumerable.Range(0, 20_000).Select(_ => Guid.NewGuid()).ToArray();

        await (await admin.PostJsonAsync(Url(world), new { badgeIds = Array.Empty<Guid>(), studentIds = new[] { world.StudentA1.Id } })).IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await admin.PostJsonAsync(Url(world), new { badgeIds = new[] { world.Manual.Id } })).IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await admin.PostJsonAsync(Url(world), new { badgeIds = new[] { "not-a-guid" }, studentIds = new[] { world.StudentA1.Id } })).IsProblemAsync(HttpStatusCode.BadRequest, "invalid_json");
        await (await admin.PostJsonAsync(Url(world), new { badgeIds = new[] { world.Manual.Id }, studentIds = tooManyStudents })).IsProblemAsync(HttpStatusCode.BadRequest, "batch_too_large");
        var tooManyBadges = await (await admin.PostJsonAsync(Url(world), new { badgeIds = Enumerable.Range(0, 100).Select(_ => Guid.NewGuid()).Append(world.Manual.Id), studentIds = new[] { world.StudentA1.Id } }))
            .IsProblemAsync(HttpStatusCode.BadRequest, "batch_too_large");
        Assert.Contains("100 badges", tooManyBadges.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var pairs = await (await admin.PostJsonAsync(Url(world), new { badgeIds = Enumerable.Range(0, 11).Select(_ => Guid.NewGuid()), studentIds = tooManyPairs }))
            .IsProblemAsync(HttpStatusCode.BadRequest, "batch_too_large");
        Assert.Contains("200000", pairs.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await (await admin.PostJsonAsync(Url(world), new { badgeIds = new[] { world.Manual.Id }, studentIds = new[] { world.StudentA1.Id }, narrative = new string('n', 2001) }))
            .IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal(0, await app.Factory.WithDbAsync(db => db.Awards.CountAsync(a => a.StudentId == world.StudentA1.Id)));
    }

    [Fact]
    public async Task IssueBadges_SameIdempotencyKey_ReturnsTheFirstResultWithoutIssuingAgain()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var key = Guid.NewGuid().ToString();
        HttpRequestMessage Request() => new(HttpMethod.Post, Url(world))
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { badgeIds = new[] { world.Manual.Id }, studentIds = new[] { world.StudentA1.Id, world.StudentA2.Id } }),
            Headers = { { "Idempotency-Key", key } },
        };

        var first = await (await admin.SendAsync(Request())).IsOkAsync<IssueBadgesResult>();
        var retry = await (await admin.SendAsync(Request())).IsOkAsync<IssueBadgesResult>();

        Assert.Equal(first.Id, retry.Id);
        Assert.Equal(first.Issued.Select(i => i.AwardId).Order(), retry.Issued.Select(i => i.AwardId).Order());
        Assert.Empty(retry.Failed);
        Assert.Equal(1, await app.Factory.WithDbAsync(db => db.IssuanceBatches.CountAsync(b => b.ClassId == world.Class.Id)));
    }

    private static HttpRequestMessage Keyed(World world, string key, object body) => new(HttpMethod.Post, Url(world))
    {
        Content = System.Net.Http.Json.JsonContent.Create(body),
        Headers = { { "Idempotency-Key", key } },
    };

    [Fact]
    public async Task IssueBadges_IdempotencyKeyReusedForAnotherRequest_Answers422_AndIssuesNothing()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var key = Guid.NewGuid().ToString();
        var first = await (await admin.SendAsync(Keyed(world, key, new { badgeIds = new[] { world.Manual.Id }, studentIds = new[] { world.StudentA1.Id, world.StudentA2.Id } })))
            .IsOkAsync<IssueBadgesResult>();

        // The same request in another order and with a repeated id is the same request: its stored result.
        var reordered = await (await admin.SendAsync(Keyed(world, key, new { badgeIds = new[] { world.Manual.Id, world.Manual.Id }, studentIds = new[] { world.StudentA2.Id, world.StudentA1.Id } })))
            .IsOkAsync<IssueBadgesResult>();
        var otherStudents = await admin.SendAsync(Keyed(world, key, new { badgeIds = new[] { world.Manual.Id }, studentIds = new[] { world.StudentB1.Id } }));
        var otherNarrative = await admin.SendAsync(Keyed(world, key, new { badgeIds = new[] { world.Manual.Id }, studentIds = new[] { world.StudentA1.Id, world.StudentA2.Id }, narrative = "Well done" }));
        var otherClass = await admin.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/api/v1/classes/{world.OtherClass.Id}/badge-issuances")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { badgeIds = new[] { world.Manual.Id }, studentIds = new[] { world.StudentA1.Id, world.StudentA2.Id } }),
            Headers = { { "Idempotency-Key", key } },
        });

        Assert.Equal(first.Id, reordered.Id);
        foreach (var reused in new[] { otherStudents, otherNarrative, otherClass })
        {
            await reused.IsProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        }
        Assert.Equal(1, await app.Factory.WithDbAsync(db => db.IssuanceBatches.CountAsync(b => b.IdempotencyKey == key)));
        Assert.Equal(0, await app.Factory.WithDbAsync(db => db.Awards.CountAsync(a => a.StudentId == world.StudentB1.Id)));
    }

    [Fact]
    public async Task IssueBadges_IdempotencyKeys_ArePerCaller()
    {
        var world = await app.NewWorldAsync();
        var key = Guid.NewGuid().ToString();

        var byAdmin = await (await (await app.ClientAsync(world.AdminRoot)).SendAsync(Keyed(world, key, new { badgeIds = new[] { world.Manual.Id }, studentIds = new[] { world.StudentA1.Id } })))
            .IsOkAsync<IssueBadgesResult>();
        var byInstructor = await (await (await app.ClientAsync(world.ContractInstructor)).SendAsync(Keyed(world, key, new { badgeIds = new[] { world.Manual2.Id }, studentIds = new[] { world.StudentA1.Id } })))
            .IsOkAsync<IssueBadgesResult>();

        Assert.NotEqual(byAdmin.Id, byInstructor.Id);
        Assert.Equal((1, 1), (byAdmin.Issued.Count, byInstructor.Issued.Count));
        var batches = await app.Factory.WithDbAsync(db => db.IssuanceBatches.Where(b => b.IdempotencyKey == key).Select(b => b.IssuedById).ToListAsync());
        Assert.Equal(new Guid?[] { world.AdminRoot.Id, world.ContractInstructor.Id }.Order(), batches.Order());
    }

    [Fact]
    public async Task IssueBadges_IdempotencyKeyEmptyOrTooLong_Answers400_AndIssuesNothing()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var body = new { badgeIds = new[] { world.Manual.Id }, studentIds = new[] { world.StudentA2.Id } };

        var tooLong = await admin.SendAsync(Keyed(world, new string('k', IssuanceBatch.IdempotencyKeyMaxLength + 1), body));
        var empty = Keyed(world, "", body);
        empty.Headers.Remove("Idempotency-Key");
        Assert.True(empty.Headers.TryAddWithoutValidation("Idempotency-Key", " "));

        (await tooLong.IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed")).HasFieldError("Idempotency-Key");
        (await (await admin.SendAsync(empty)).IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed")).HasFieldError("Idempotency-Key");
        Assert.Equal(0, await app.Factory.WithDbAsync(db => db.Awards.CountAsync(a => a.StudentId == world.StudentA2.Id)));
    }

    [Fact]
    public async Task IssueBadges_WritesOneOutboxMessageInTheSameCommit()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);

        var result = await (await admin.PostJsonAsync(Url(world), new { badgeIds = new[] { world.Manual.Id, world.Manual2.Id }, studentIds = world.ClassStudents.Select(s => s.Id), suppressNotifications = true }))
            .IsOkAsync<IssueBadgesResult>();

        var messages = await app.Factory.WithDbAsync(db => db.OutboxMessages.Where(m => m.Topic == OutboxTopics.AwardsIssued).ToListAsync());
        var mine = Assert.Single(messages, m => m.Read<AwardsIssued>().BatchId == result.Id);
        Assert.True(mine.Read<AwardsIssued>().SuppressNotifications);
        Assert.Equal(8, result.Issued.Count);
    }

    [Fact]
    public async Task StoredResultAndHistory_MatchWhatTheRequestAnswered()
    {
        var world = await app.NewWorldAsync();
        var instructor = await app.ClientAsync(world.OrgInstructor);
        var result = await (await instructor.PostJsonAsync(Url(world), new { badgeIds = new[] { world.Manual.Id, world.NoManual.Id }, studentIds = new[] { world.StudentA1.Id } }))
            .IsOkAsync<IssueBadgesResult>();

        var stored = await (await instructor.GetAsync($"/api/v1/badge-issuances/{result.Id}")).IsOkAsync<IssueBadgesResult>();
        var history = await (await instructor.GetAsync(Url(world))).IsOkAsync<Paged<IssuanceSummary>>();

        Assert.Equal(result.Issued, stored.Issued);
        Assert.Equal(result.Failed, stored.Failed);
        Assert.Equal(result.Warning, stored.Warning);
        var summary = Assert.Single(history.Items);
        Assert.Equal((result.Id, 1, 1, world.OrgInstructor.Id), (summary.Id, summary.IssuedCount, summary.FailedCount, summary.IssuedById));
        // ?search= finds batches by their issuer.
        var byIssuer = await (await instructor.GetAsync($"{Url(world)}?search={Uri.EscapeDataString(world.OrgInstructor.LastName.ToUpperInvariant())}")).IsOkAsync<Paged<IssuanceSummary>>();
        var byOther = await (await instructor.GetAsync($"{Url(world)}?search=nobody-issued-{Guid.NewGuid():N}")).IsOkAsync<Paged<IssuanceSummary>>();
        Assert.Equal(result.Id, Assert.Single(byIssuer.Items).Id);
        Assert.Empty(byOther.Items);
        await (await (await app.ClientAsync(world.OtherInstructor)).GetAsync($"/api/v1/badge-issuances/{result.Id}")).IsProblemAsync(HttpStatusCode.NotFound, "badge_issuance_not_found");
    }

    [Fact]
    public async Task IssuableLists_FollowTheSeed_OrganizationVersusContractInstructor()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        await admin.PostJsonAsync(Url(world), new { badgeIds = new[] { world.Manual.Id }, studentIds = new[] { world.StudentA2.Id } });

        var badges = await (await (await app.ClientAsync(world.OrgInstructor)).GetAsync($"/api/v1/classes/{world.Class.Id}/issuable-badges")).IsOkAsync<Paged<IssuableBadge>>();
        var orgStudents = await (await (await app.ClientAsync(world.OrgInstructor)).GetAsync($"/api/v1/classes/{world.Class.Id}/issuable-students")).IsOkAsync<Paged<IssuableStudent>>();
        var contractStudents = await (await (await app.ClientAsync(world.ContractInstructor)).GetAsync($"/api/v1/classes/{world.Class.Id}/issuable-students?search=studentb1")).IsOkAsync<Paged<IssuableStudent>>();

        Assert.Equal(new[] { world.Manual.Id, world.Manual2.Id }.Order(), badges.Items.Select(b => b.Id).Order());
        Assert.Equal(new[] { world.StudentA1.Id, world.StudentA2.Id, world.StudentA1x.Id }.Order(), orgStudents.Items.Select(s => s.Id).Order());
        Assert.Equal([world.Manual.Id], orgStudents.Items.Single(s => s.Id == world.StudentA2.Id).HeldBadgeIds);
        Assert.Equal(world.StudentB1.Id, Assert.Single(contractStudents.Items).Id);
    }

    [Fact]
    public async Task CourseAssignmentIssuance_AdministratorsOnly_WithCourseOrganizationBadges()
    {
        var world = await app.NewWorldAsync();
        var url = $"/api/v1/course-assignments/{world.Assignment.Id}/badge-issuances";

        var issued = await (await (await app.ClientAsync(world.AdminRoot)).PostJsonAsync(url, new { badgeId = world.Manual.Id, narrative = "Finished the course" })).IsOkAsync<IssueBadgesResult>();
        var again = await (await (await app.ClientAsync(world.AdminRoot)).PostJsonAsync(url, new { badgeId = world.Manual.Id })).IsOkAsync<IssueBadgesResult>();
        var foreign = await (await (await app.ClientAsync(world.AdminRoot)).PostJsonAsync(url, new { badgeId = world.BadgeB.Id })).IsOkAsync<IssueBadgesResult>();
        var noManual = await (await (await app.ClientAsync(world.AdminRoot)).PostJsonAsync(url, new { badgeId = world.NoManual.Id })).IsOkAsync<IssueBadgesResult>();

        Assert.Equal(world.StudentA1.Id, Assert.Single(issued.Issued).StudentId);
        Assert.Equal("already_earned", Assert.Single(again.Failed).Code);
        Assert.Equal("badge_not_in_course_organization", Assert.Single(foreign.Failed).Code);
        Assert.Equal("manual_issuance_disabled", Assert.Single(noManual.Failed).Code);
        var award = await app.Factory.WithDbAsync(db => db.Awards.SingleAsync(a => a.Id == issued.Issued[0].AwardId));
        Assert.Equal((AwardSource.CourseAssignment, world.Assignment.Id, "Finished the course"), (award.Source, award.CourseAssignmentId, award.Narrative));
        await (await (await app.ClientAsync(world.OrgInstructor)).PostJsonAsync(url, new { badgeId = world.Manual.Id })).IsProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await (await app.ClientAsync(world.AdminA)).PostJsonAsync(url, new { badgeId = world.Manual.Id })).IsProblemAsync(HttpStatusCode.NotFound, "course_assignment_not_found");
        // An administrator who may issue from the assignment but does not administer the badge's organization: an unknown badge.
        await app.Factory.WithDbAsync(async db =>
        {
            var course = await db.Courses.SingleAsync(c => c.Id == world.Course.Id);
            db.Entry(course).Property(c => c.OrganizationId).CurrentValue = world.A.Id;
            await db.SaveChangesAsync();
            return 0;
        });
        var unseen = await (await (await app.ClientAsync(world.AdminA)).PostJsonAsync(url, new { badgeId = world.BadgeB.Id })).IsOkAsync<IssueBadgesResult>();
        Assert.Equal("unknown_badge", Assert.Single(unseen.Failed).Code);
    }

    [Fact]
    public async Task Awards_AreScoped_AndRevocationNeedsAReasonAndHappensOnce()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var result = await (await admin.PostJsonAsync(Url(world), new { badgeIds = new[] { world.Manual.Id }, studentIds = new[] { world.StudentA1.Id, world.StudentA2.Id } }))
            .IsOkAsync<IssueBadgesResult>();
        var awardOfA1 = result.Issued.Single(i => i.StudentId == world.StudentA1.Id).AwardId;

        var own = await (await (await app.ClientAsync(world.StudentA1)).GetAsync("/api/v1/awards")).IsOkAsync<Paged<AwardDto>>();
        await (await (await app.ClientAsync(world.StudentA2)).GetAsync($"/api/v1/awards/{awardOfA1}")).IsProblemAsync(HttpStatusCode.NotFound, "award_not_found");
        await (await (await app.ClientAsync(world.AdminB)).GetAsync($"/api/v1/awards/{awardOfA1}")).IsProblemAsync(HttpStatusCode.NotFound, "award_not_found");
        await (await (await app.ClientAsync(world.OrgInstructor)).PostJsonAsync($"/api/v1/awards/{awardOfA1}/revocation", new { reason = "x" })).IsProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await admin.PostJsonAsync($"/api/v1/awards/{awardOfA1}/revocation", new { reason = "" })).IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await admin.PostJsonAsync($"/api/v1/awards/{awardOfA1}/revocation", new { reason = new string('r', 501) })).IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var revoked = await (await admin.PostJsonAsync($"/api/v1/awards/{awardOfA1}/revocation", new { reason = "Cheated on the lab" })).IsOkAsync<AwardDto>();
        await (await admin.PostJsonAsync($"/api/v1/awards/{awardOfA1}/revocation", new { reason = "Again" })).IsProblemAsync(HttpStatusCode.Conflict, "already_revoked");

        Assert.Equal(awardOfA1, Assert.Single(own.Items).Id);
        Assert.Equal((AwardStatus.Revoked, "Cheated on the lab", world.AdminRoot.Id), (revoked.Status, revoked.RevocationReason, revoked.RevokedById));
        var byInstructor = await (await (await app.ClientAsync(world.ContractInstructor)).GetAsync($"/api/v1/awards?classId={world.Class.Id}")).IsOkAsync<Paged<AwardDto>>();
        Assert.Equal(2, byInstructor.Total);
    }

    [Fact]
    public async Task AwardList_FollowingNext_ReturnsEveryAwardOnceInTheListsOrder_AcrossTiesAndWithFilters()
    {
        var world = await app.NewWorldAsync();
        var (ofA, ofB, badges) = await AwardsToPageAsync(world);
        var admin = await app.ClientAsync(world.AdminA);

        var pages = await KeysetWalk.PagesAsync<AwardDto>(admin, "/api/v1/awards?pageSize=4");
        var walked = pages.SelectMany(p => p.Items).ToList();
        var oneOffsetPage = await (await admin.GetAsync("/api/v1/awards?pageSize=500")).IsOkAsync<Paged<AwardDto>>();
        var byStudent = await KeysetWalk.PagesAsync<AwardDto>(admin, $"/api/v1/awards?pageSize=3&studentId={world.StudentA1.Id}");
        var byBadge = await KeysetWalk.PagesAsync<AwardDto>(admin, $"/api/v1/awards?pageSize=2&badgeId={badges[0]}");

        // 30 awards, 24 of them issued in the same instant: pages of 4 cut through that instant 6 times.
        Assert.Equal(8, pages.Count);
        Assert.Equal(ofA.Order(), walked.Select(a => a.Id).Order());
        Assert.Equal(oneOffsetPage.Items.Select(a => a.Id), walked.Select(a => a.Id));
        Assert.Equal(walked.Select(a => a.IssuedAt).OrderDescending(), walked.Select(a => a.IssuedAt));
        Assert.All(pages, p => Assert.Equal((30, false), (p.Total, p.TotalCapped)));
        Assert.All(pages[..^1], p => Assert.NotNull(p.Next));
        Assert.Null(pages[^1].Next);
        Assert.Null(oneOffsetPage.Next);
        Assert.DoesNotContain(walked, a => ofB.Contains(a.Id));
        var studentWalk = byStudent.SelectMany(p => p.Items).ToList();
        Assert.Equal(10, studentWalk.Count);
        Assert.All(studentWalk, a => Assert.Equal(world.StudentA1.Id, a.StudentId));
        Assert.Equal(walked.Where(a => a.StudentId == world.StudentA1.Id).Select(a => a.Id), studentWalk.Select(a => a.Id));
        Assert.Equal(walked.Where(a => a.BadgeId == badges[0]).Select(a => a.Id), byBadge.SelectMany(p => p.Items).Select(a => a.Id));
        Assert.Equal(3, byBadge[0].Total);
    }

    [Fact]
    public async Task AwardList_FollowingNextThroughABatchOfHundredsInOneInstant_ReturnsEveryAwardOnceInTheListsOrder()
    {
        var world = await app.NewWorldAsync();
        var (ofA, _, _) = await AwardsToPageAsync(world, badgeCount: 100);
        var admin = await app.ClientAsync(world.AdminA);

        var pages = await KeysetWalk.PagesAsync<AwardDto>(admin, "/api/v1/awards?pageSize=7");
        var walked = pages.SelectMany(p => p.Items).ToList();
        var oneOffsetPage = await (await admin.GetAsync("/api/v1/awards?pageSize=500")).IsOkAsync<Paged<AwardDto>>();

        // 300 awards, 294 of them in one instant: every cursor but the first and last few falls inside that instant, and the
        // page after row 294 runs from the instant's last rows into the earlier awards.
        Assert.Equal(300, ofA.Count);
        Assert.Equal(43, pages.Count);
        Assert.Equal(294, walked.Count(a => a.IssuedAt == walked[3].IssuedAt));
        Assert.Equal(ofA.Order(), walked.Select(a => a.Id).Order());
        Assert.Equal(oneOffsetPage.Items.Select(a => a.Id), walked.Select(a => a.Id));
        Assert.All(pages[..^1], p => Assert.Equal(7, p.Items.Count));
        Assert.All(pages, p => Assert.Equal((300, false), (p.Total, p.TotalCapped)));
    }

    [Fact]
    public async Task AwardList_MalformedCursorsAndDeepOffsets_AreValidationErrors()
    {
        var world = await app.NewWorldAsync();
        await AwardsToPageAsync(world);
        var admin = await app.ClientAsync(world.AdminA);
        var valid = (await (await admin.GetAsync("/api/v1/awards?pageSize=2")).IsOkAsync<Paged<AwardDto>>()).Next!;
        string WithTicks(long ticks)
        {
            var bytes = Base64Url.DecodeFromChars(valid);
            BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(1), ticks);
            return Base64Url.EncodeToString(bytes);
        }

        foreach (var after in KeysetWalk.Malformed(valid, Rosette.Features.Audit.AuditLogHandler.CursorAfter(1)).Append(WithTicks(-1)).Append(WithTicks(DateTime.MaxValue.Ticks + 1)))
        {
            (await (await admin.GetAsync($"/api/v1/awards?after={Uri.EscapeDataString(after)}")).IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed"))
                .HasFieldError("after");
        }
        (await (await admin.GetAsync($"/api/v1/awards?page=2&after={valid}")).IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed")).HasFieldError("after");
        var deep = await (await admin.GetAsync("/api/v1/awards?page=201&pageSize=50")).IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        deep.HasFieldError("page");
        Assert.Contains("'next'", deep.GetProperty("errors").GetProperty("page")[0].GetString(), StringComparison.Ordinal);
        (await (await admin.GetAsync("/api/v1/awards?page=21&pageSize=500")).IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed")).HasFieldError("page");
        var lastWithinCap = await (await admin.GetAsync("/api/v1/awards?page=200&pageSize=50")).IsOkAsync<Paged<AwardDto>>();
        Assert.Equal((200, 30, false), (lastWithinCap.Page, lastWithinCap.Total, lastWithinCap.TotalCapped));
        Assert.Empty(lastWithinCap.Items);
        Assert.Equal(2, (await (await admin.GetAsync($"/api/v1/awards?page=1&pageSize=2&after={valid}")).IsOkAsync<Paged<AwardDto>>()).Items.Count);
    }

    [Fact]
    public async Task AwardList_CursorFromAnotherScopeOrForged_RevealsNothingOutsideTheCallersScope()
    {
        var world = await app.NewWorldAsync();
        var (ofA, ofB, _) = await AwardsToPageAsync(world);
        var fromA = (await (await (await app.ClientAsync(world.AdminA)).GetAsync("/api/v1/awards?pageSize=1")).IsOkAsync<Paged<AwardDto>>()).Next!;
        var forged = AwardsHandler.CursorAfter(DateTime.MaxValue, Guid.Empty);
        var adminB = await app.ClientAsync(world.AdminB);
        var student = await app.ClientAsync(world.StudentA2);

        var bWithCursorOfA = await (await adminB.GetAsync($"/api/v1/awards?after={fromA}")).IsOkAsync<Paged<AwardDto>>();
        var bForged = await (await adminB.GetAsync($"/api/v1/awards?after={forged}")).IsOkAsync<Paged<AwardDto>>();
        var studentForged = await (await student.GetAsync($"/api/v1/awards?after={forged}&badgeId={world.BadgeB.Id}")).IsOkAsync<Paged<AwardDto>>();
        var studentOwn = await (await student.GetAsync($"/api/v1/awards?after={forged}")).IsOkAsync<Paged<AwardDto>>();

        Assert.Equal(ofB.Order(), bWithCursorOfA.Items.Select(a => a.Id).Order());
        Assert.Equal(ofB.Order(), bForged.Items.Select(a => a.Id).Order());
        Assert.Equal((2, false), (bForged.Total, bForged.TotalCapped));
        Assert.Empty(studentForged.Items);
        Assert.Equal(0, studentForged.Total);
        Assert.Equal(10, studentOwn.Items.Count);
        Assert.All(studentOwn.Items, a => Assert.Equal(world.StudentA2.Id, a.StudentId));
        Assert.DoesNotContain(ofA, id => bForged.Items.Any(a => a.Id == id));
    }

    /// <summary>
    /// Ten badges (or <paramref name="badgeCount"/>) of organization A, each held by three of its students (30 awards: 24
    /// issued in one instant, as a batch issues them, 3 before and 3 after), and two awards of B's badge issued in that
    /// instant too.
    /// </summary>
    private async Task<(HashSet<Guid> OfA, HashSet<Guid> OfB, List<Guid> BadgesOfA)> AwardsToPageAsync(World world, int badgeCount = 10) =>
        await app.Factory.WithDbAsync(async db =>
        {
            var instant = new DateTime(2026, 11, 30, 12, 0, 0, DateTimeKind.Utc);
            var organization = await db.Organizations.SingleAsync(o => o.Id == world.A.Id);
            var badges = Enumerable.Range(0, badgeCount)
                .Select(i => Rosette.Domain.Badges.Badge.Create($"Paged {i} {world.A.Name}", "d", null, organization, true, null, [], instant).Value).ToList();
            db.Badges.AddRange(badges);
            await db.SaveChangesAsync();
            var students = new[] { world.StudentA1.Id, world.StudentA2.Id, world.StudentA1x.Id };
            DateTime IssuedAt(int n) => n < 3 ? instant.AddMinutes(-1 - n) : n >= badgeCount * 3 - 3 ? instant.AddSeconds(n) : instant;
            var ofA = badges.SelectMany((b, i) => students.Select((s, j) => Award.Create(new AwardFacts(b.Id, s, IssuedAt(i * 3 + j), AwardSource.Roster)))).ToList();
            var ofB = new[] { world.StudentB1.Id, world.StudentA1.Id }
                .Select(s => Award.Create(new AwardFacts(world.BadgeB.Id, s, instant, AwardSource.Roster))).ToList();
            await using var transaction = await db.Database.BeginTransactionAsync();
            await db.InsertAsync([.. ofA, .. ofB], ignoreConflicts: false, a => a.Id, CancellationToken.None);
            await transaction.CommitAsync();
            return (ofA.Select(a => a.Id).ToHashSet(), ofB.Select(a => a.Id).ToHashSet(), badges.Select(b => b.Id).ToList());
        });
}
