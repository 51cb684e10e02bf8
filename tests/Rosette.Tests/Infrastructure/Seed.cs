using Microsoft.Extensions.DependencyInjection;
using Rosette.Data;
using Rosette.Domain.Classes;
using Rosette.Domain.Users;

namespace Rosette.Tests.Infrastructure;

/// <summary>Large data for tests that need many rows, written set-based.</summary>
public static class Seed
{
    /// <summary>Adds <paramref name="count"/> students of <paramref name="organizationId"/> enrolled in <paramref name="classId"/>; returns their ids.</summary>
    public static async Task<List<Guid>> EnrolledStudentsAsync(IServiceProvider services, Guid organizationId, Guid classId, int count)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RosetteDb>();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var now = DateTime.UtcNow;
        now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond));
        var students = Enumerable.Range(0, count)
            .Select(i => User.Create($"s{i}.{tag}@bulk.rosette.test", $"Student{i:D5}", $"Bulk {tag}", organizationId, UserRole.Student, now).Value)
            .ToList();
        var enrollments = students.Select(s => Enrollment.Create(classId, s.Id, now)).ToList();
        await using var transaction = await db.Database.BeginTransactionAsync();
        await db.InsertAsync(students, ignoreConflicts: false, s => s.Id, CancellationToken.None);
        await db.InsertAsync(enrollments, ignoreConflicts: false, e => e.StudentId, CancellationToken.None);
        await transaction.CommitAsync();
        return students.Select(s => s.Id).ToList();
    }

    /// <summary>A class of <paramref name="organizationId"/> with these students enrolled; returns its id.</summary>
    public static async Task<Guid> ClassAsync(IServiceProvider services, Guid organizationId, params Guid[] studentIds)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RosetteDb>();
        var now = DateTime.UtcNow;
        now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond));
        var trainingClass = TrainingClass.Create($"Class {Guid.NewGuid():N}", organizationId, null, null, null, now).Value;
        db.Classes.Add(trainingClass);
        db.Enrollments.AddRange(studentIds.Select(id => Enrollment.Create(trainingClass.Id, id, now)));
        await db.SaveChangesAsync();
        return trainingClass.Id;
    }
}
