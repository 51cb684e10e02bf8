using Microsoft.EntityFrameworkCore;
using Rosette.Domain.Badges;
using Rosette.Domain.Classes;
using Rosette.Domain.Issuance;
using Rosette.Domain.Organizations;
using Rosette.Domain.Users;
using Rosette.Tests.Infrastructure;

namespace Rosette.BrowserTests.Infrastructure;

/// <summary>Extra rows for page tests, written straight to the database with the domain's factories.</summary>
public static class Seed
{
    public static Task GiveImageAsync(this RosetteFactory factory, Badge badge) => factory.WithDbAsync(async db =>
    {
        var tracked = await db.Badges.SingleAsync(b => b.Id == badge.Id);
        tracked.SetImage(BadgeImageContent.Png, DateTime.UtcNow);
        db.BadgeImages.Add(new BadgeImage(badge.Id, BadgeImageContent.Png, Images.Png));
        await db.SaveChangesAsync();
    });

    public static Task<Award> AwardAsync(this RosetteFactory factory, Badge badge, User student, TrainingClass? inClass = null, User? revokedBy = null) =>
        factory.WithDbAsync(async db =>
        {
            var now = DateTime.UtcNow;
            now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond));
            var award = Award.Create(new AwardFacts(badge.Id, student.Id, now, AwardSource.Roster) { ClassId = inClass?.Id });
            if (revokedBy is not null)
            {
                award.Revoke(revokedBy.Id, "Issued by mistake", now);
            }
            db.Awards.Add(award);
            await db.SaveChangesAsync();
            return award;
        });

    /// <summary>Adds <paramref name="count"/> students of <paramref name="organization"/> to the class, named "{prefix} 001" and on.</summary>
    public static Task<IReadOnlyList<User>> EnrollStudentsAsync(
        this RosetteFactory factory, TrainingClass trainingClass, Organization organization, int count, string prefix) =>
        factory.WithDbAsync<IReadOnlyList<User>>(async db =>
        {
            var now = DateTime.UtcNow;
            var students = Enumerable.Range(1, count)
                .Select(i => User.Create($"{prefix.Replace(' ', '.')}.{i:D3}.{Guid.NewGuid():N}@rosette.test".ToLowerInvariant(), prefix, $"{i:D3}",
                    organization.Id, UserRole.Student, now).Value)
                .ToList();
            db.Users.AddRange(students);
            db.Enrollments.AddRange(students.Select(s => Enrollment.Create(trainingClass.Id, s.Id, now)));
            await db.SaveChangesAsync();
            return students;
        });

    public static Task<User> EnrollStudentAsync(this RosetteFactory factory, TrainingClass trainingClass, Organization organization, string firstName, string lastName) =>
        factory.WithDbAsync(async db =>
        {
            var student = User.Create($"named.{Guid.NewGuid():N}@rosette.test", firstName, lastName, organization.Id, UserRole.Student, DateTime.UtcNow).Value;
            db.Users.Add(student);
            db.Enrollments.Add(Enrollment.Create(trainingClass.Id, student.Id, DateTime.UtcNow));
            await db.SaveChangesAsync();
            return student;
        });

    public static Task<Badge> NewBadgeAsync(this RosetteFactory factory, string name, Organization organization, bool withImage) =>
        factory.WithDbAsync(async db =>
        {
            var badge = Badge.Create(name, "A badge", null, organization, true, null, [], DateTime.UtcNow).Value;
            db.Badges.Add(badge);
            if (withImage)
            {
                badge.SetImage(BadgeImageContent.Png, DateTime.UtcNow);
                db.BadgeImages.Add(new BadgeImage(badge.Id, BadgeImageContent.Png, Images.Png));
            }
            await db.SaveChangesAsync();
            return badge;
        });

    public static Task<TrainingClass> NewClassAsync(this RosetteFactory factory, string name, Organization organization, User instructor) =>
        factory.WithDbAsync(async db =>
        {
            var trainingClass = TrainingClass.Create(name, organization.Id, null, null, null, DateTime.UtcNow).Value;
            db.Classes.Add(trainingClass);
            db.ClassInstructors.Add(ClassInstructor.Create(trainingClass.Id, instructor.Id, InstructorKind.Contract, DateTime.UtcNow));
            await db.SaveChangesAsync();
            return trainingClass;
        });
}
