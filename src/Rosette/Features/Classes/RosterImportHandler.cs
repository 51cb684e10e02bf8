using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Audit;
using Rosette.Domain.Classes;
using Rosette.Domain.Organizations;
using Rosette.Domain.SingleSignOn;
using Rosette.Domain.Users;
using Rosette.Features.Audit;
using Rosette.Features.SingleSignOn;

namespace Rosette.Features.Classes;

/// <summary>
/// Enrolls a class's students from a CSV file (email, first name, last name, optional organization), creating the
/// students that do not exist yet. The same plan serves the preview (nothing written) and the import (the accepted rows
/// written, the rest reported). Everything is loaded once for the whole file and written set-based in one transaction;
/// the rules are the domain's: <see cref="User.Create"/> for new students, <see cref="Enrollment.WhyNot"/> for existing ones.
/// </summary>
public sealed class RosterImportHandler(RosetteDb db, AuditLog audit, TimeProvider clock)
{
    /// <summary>Refused to whoever does not manage the class; the import page refuses non-administrators by policy with it too.</summary>
    public static readonly ForbiddenError AdministratorsOnly = CommonErrors.Forbidden("Only administrators import rosters.");

    public const int MaxRows = EnrollmentsHandler.MaxStudentsPerRequest;

    public async Task<Result<RosterImportResult>> PreviewAsync(Actor actor, Guid classId, string csv, CancellationToken cancellationToken) =>
        await RunAsync(actor, classId, csv, commit: false, cancellationToken);

    public async Task<Result<RosterImportResult>> ImportAsync(Actor actor, Guid classId, string csv, CancellationToken cancellationToken)
    {
        try
        {
            return await RunAsync(actor, classId, csv, commit: true, cancellationToken);
        }
        catch (Exception e) when (DbErrors.IsUniqueViolation(e) || e is DbUpdateException u && u.IsUniqueViolation())
        {
            // Someone enrolled one of these students a moment ago: plan again from what is there now.
            db.ChangeTracker.Clear();
            return await RunAsync(actor, classId, csv, commit: true, cancellationToken);
        }
    }

    private async Task<Result<RosterImportResult>> RunAsync(Actor actor, Guid classId, string csv, bool commit, CancellationToken cancellationToken)
    {
        var context = await db.LoadClassAsync(actor, classId, cancellationToken);
        if (context is null)
        {
            return ClassErrors.NotFound(classId);
        }
        if (!context.Access.CanManage)
        {
            return AdministratorsOnly;
        }
        var parsed = RosterCsv.Parse(csv, MaxRows);
        if (!parsed.IsSuccess)
        {
            return parsed.Error;
        }
        var plan = await PlanAsync(actor, context, parsed.Value, cancellationToken);
        if (commit)
        {
            await WriteAsync(actor, context, plan, cancellationToken);
        }
        var rows = plan.Rows;
        return new RosterImportResult(classId, commit, rows.Count,
            rows.Count(r => r.Outcome == ImportOutcome.NewUser), rows.Count(r => r.Outcome == ImportOutcome.Enrolled),
            rows.Count(r => r.Outcome == ImportOutcome.AlreadyEnrolled), rows.Count(r => !r.Accepted && r.Outcome != ImportOutcome.AlreadyEnrolled), rows);
    }

    private sealed class Plan
    {
        public List<ImportRow> Rows { get; } = [];

        /// <summary>Row index to the user it creates.</summary>
        public Dictionary<int, User> NewUsers { get; } = [];

        public List<Guid> Enroll { get; } = [];

        public List<Guid> Reactivate { get; } = [];
    }

    private async Task<Plan> PlanAsync(Actor actor, ClassContext context, IReadOnlyList<RosterCsvRow> rows, CancellationToken cancellationToken)
    {
        var valid = rows.Select(r => EmailAddress.Parse("email", r.Email)).Where(e => e.IsSuccess).Select(e => e.Value).ToList();
        var emails = valid.Select(EmailAddress.Normalize).Distinct().ToList();
        var existing = await (from u in db.Users.AsNoTracking()
                              where emails.Contains(u.NormalizedEmail)
                              join o in db.Organizations on u.OrganizationId equals o.Id
                              select new { User = u, Organization = o }).ToDictionaryAsync(x => x.User.NormalizedEmail, cancellationToken);
        var existingIds = existing.Values.Select(x => x.User.Id).ToList();
        var enrollments = await db.Enrollments.AsNoTracking().Where(e => e.ClassId == context.Class.Id && existingIds.Contains(e.StudentId))
            .ToDictionaryAsync(e => e.StudentId, cancellationToken);
        var organizations = await db.Organizations.AsNoTracking().AdministeredBy(actor).ToListAsync(cancellationToken);
        var claims = await db.ClaimingOrganizationsAsync(valid, cancellationToken);
        var byId = organizations.ToDictionary(o => o.Id);
        var byName = organizations.ToLookup(o => o.Name.ToLowerInvariant());

        var plan = new Plan();
        var seen = new Dictionary<string, int>();
        var now = clock.UtcNowSeconds();
        foreach (var row in rows)
        {
            var (outcome, message) = Decide(row);
            plan.Rows.Add(new ImportRow(row.Line, row.Email, row.FirstName, row.LastName, row.Organization, outcome, message));
        }
        return plan;

        (ImportOutcome, string) Decide(RosterCsvRow row)
        {
            if (row.Malformed is not null)
            {
                return (ImportOutcome.MalformedRow, row.Malformed);
            }
            var email = EmailAddress.Parse("email", row.Email);
            if (!email.IsSuccess)
            {
                return (ImportOutcome.InvalidEmail, row.Email.Length == 0 ? "The email address is missing." : $"'{row.Email}' is not a valid email address.");
            }
            var normalized = EmailAddress.Normalize(email.Value);
            if (seen.TryGetValue(normalized, out var firstLine))
            {
                return (ImportOutcome.DuplicateRow, $"The same email address is on line {firstLine}.");
            }
            seen[normalized] = row.Line;
            if (existing.TryGetValue(normalized, out var found))
            {
                enrollments.TryGetValue(found.User.Id, out var enrollment);
                var whyNot = Enrollment.WhyNot(actor, found.User, found.Organization, enrollment);
                if (whyNot is null)
                {
                    (enrollment is null ? plan.Enroll : plan.Reactivate).Add(found.User.Id);
                    return (ImportOutcome.Enrolled, $"Existing student {found.User.FullName} ({found.Organization.Name}), enrolled.");
                }
                return whyNot == ClassErrors.AlreadyEnrolled ? (ImportOutcome.AlreadyEnrolled, $"{found.User.FullName} is already enrolled in this class.")
                    : whyNot == ClassErrors.NotAStudent ? (ImportOutcome.NotAStudent, $"{email.Value} belongs to a user who is not a student.")
                    : whyNot == ClassErrors.UserInactive ? (ImportOutcome.UserInactive, $"{email.Value} belongs to a deactivated user.")
                    : (ImportOutcome.OutsideScope, $"{email.Value} belongs to a user of an organization outside your scope.");
            }
            var organization = ResolveOrganization(row.Organization);
            if (organization is null)
            {
                return (ImportOutcome.UnknownOrganization, $"There is no organization '{row.Organization}' in your scope, or several have that name.");
            }
            if (SignInConnection.WhyNotAddressIn(organization.Path, EmailDomainClaims.Claim(claims, email.Value)) is not null)
            {
                return (ImportOutcome.EmailDomainClaimed,
                    $"{email.Value} is in an email domain another organization's single sign-on owns: it cannot be created in {organization.Name}.");
            }
            var created = User.Create(email.Value, row.FirstName, row.LastName, organization.Id, UserRole.Student, now);
            if (!created.IsSuccess)
            {
                return (ImportOutcome.InvalidName, created.Error.Message);
            }
            plan.NewUsers[plan.Rows.Count] = created.Value;
            return (ImportOutcome.NewUser, $"New student in {organization.Name}, enrolled.");
        }

        Organization? ResolveOrganization(string? value)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                return context.Organization;
            }
            if (Guid.TryParse(value, out var id))
            {
                return byId.GetValueOrDefault(id);
            }
            var named = byName[value.Trim().ToLowerInvariant()].ToList();
            return named.Count == 1 ? named[0] : null;
        }
    }

    private async Task WriteAsync(Actor actor, ClassContext context, Plan plan, CancellationToken cancellationToken)
    {
        var classId = context.Class.Id;
        var now = clock.UtcNowSeconds();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var newUsers = plan.NewUsers.Values.ToList();
        // A student created by someone else since the plan was made is reported, not duplicated: the unique email index decides.
        var inserted = await db.InsertAsync(newUsers, ignoreConflicts: true, u => u.Id, cancellationToken);
        foreach (var (index, user) in plan.NewUsers.Where(n => !inserted.Contains(n.Value.Id)).ToList())
        {
            plan.Rows[index] = plan.Rows[index] with { Outcome = ImportOutcome.EmailTaken, Message = $"{user.Email} was created by someone else a moment ago: import the file again." };
        }
        var enrollments = inserted.Concat(plan.Enroll).Select(id => Enrollment.Create(classId, id, now)).ToList();
        await db.InsertAsync(enrollments, ignoreConflicts: false, e => e.StudentId, cancellationToken);
        if (plan.Reactivate.Count > 0)
        {
            var reactivate = plan.Reactivate;
            await db.Enrollments.Where(e => e.ClassId == classId && reactivate.Contains(e.StudentId))
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.IsActive, true).SetProperty(e => e.EnrolledAt, now), cancellationToken);
        }
        var already = plan.Rows.Count(r => r.Outcome == ImportOutcome.AlreadyEnrolled);
        var rejected = plan.Rows.Count(r => !r.Accepted) - already;
        audit.Record(actor, AuditKind.RosterImported, context.Organization.Id, classId,
            $"Imported a roster into class '{context.Class.Name}': {inserted.Count} new students, {plan.Enroll.Count + plan.Reactivate.Count} existing students enrolled, "
            + $"{already} already enrolled, {rejected} rows not imported",
            new { rows = plan.Rows.Count, newUsers = inserted.Count, enrolled = plan.Enroll.Count + plan.Reactivate.Count, alreadyEnrolled = already, rejected });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}
