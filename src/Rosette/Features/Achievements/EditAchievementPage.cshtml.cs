using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Infrastructure.Pages;
using Rosette.Domain;
using Rosette.Domain.Achievements;
using Rosette.Infrastructure.Auth;

namespace Rosette.Features.Achievements;

/// <summary>
/// Creates or edits an achievement through the API's handler. Conditions are edited as rows under "all" or "any"; the JSON
/// is shown beside them, and power users may save JSON instead (which also edits conditions nested deeper than the rows).
/// </summary>
public sealed class EditAchievementPageModel(AchievementsHandler handler, AchievementChoicesHandler choices) : PageModel
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    [BindProperty]
    public AchievementForm Form { get; set; } = new();

    [BindProperty]
    public string? ConditionsJson { get; set; }

    public Guid? Id { get; private set; }

    public bool NestedTooDeeply { get; private set; }

    public List<Choice> Organizations { get; private set; } = [];

    public List<Choice> Badges { get; private set; } = [];

    public List<Choice> Courses { get; private set; } = [];

    public InvalidError? Problem { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid? id, CancellationToken cancellationToken)
    {
        var actor = HttpContext.GetActor();
        Id = id;
        AchievementDto? stored = null;
        if (id is { } existing)
        {
            var found = await handler.GetAsync(actor, existing, cancellationToken);
            if (!found.IsSuccess)
            {
                return this.ErrorPage(found.Error);
            }
            var a = stored = found.Value;
            Form = new AchievementForm
            {
                OrganizationId = a.OrganizationId, Name = a.Name, Description = a.Description, Points = a.Points, Frequency = a.Frequency,
                FrequencyType = a.FrequencyType, Enabled = a.Enabled, BadgeId = a.BadgeId,
            };
            NestedTooDeeply = !Form.LoadConditions(ConditionJson.Parse(a.Conditions).Value);
            ConditionsJson = JsonSerializer.Serialize(a.Conditions, Indented);
        }
        Form.AddBlankRows();
        await LoadChoicesAsync(stored, cancellationToken);
        return Page();
    }

    /// <summary>Saves with the conditions of the rows.</summary>
    public Task<IActionResult> OnPostAsync(Guid? id, CancellationToken cancellationToken) => SaveAsync(id, Form.ConditionsJson(), cancellationToken);

    /// <summary>Saves with the conditions typed as JSON.</summary>
    public async Task<IActionResult> OnPostJsonAsync(Guid? id, CancellationToken cancellationToken)
    {
        JsonElement? conditions = null;
        try
        {
            conditions = string.IsNullOrWhiteSpace(ConditionsJson) ? null : JsonDocument.Parse(ConditionsJson).RootElement.Clone();
        }
        catch (JsonException)
        {
            Problem = InvalidError.Field("conditions", AchievementErrors.InvalidConditions, "'conditions' is not valid JSON.");
            Id = id;
            await LoadChoicesAsync(await StoredAsync(id, cancellationToken), cancellationToken);
            return Page();
        }
        return await SaveAsync(id, conditions, cancellationToken);
    }

    /// <summary>More blank rows; nothing is saved.</summary>
    public async Task<IActionResult> OnPostAddRowsAsync(Guid? id, CancellationToken cancellationToken)
    {
        Id = id;
        Form.AddBlankRows();
        ModelState.Clear();
        await LoadChoicesAsync(await StoredAsync(id, cancellationToken), cancellationToken);
        return Page();
    }

    private async Task<IActionResult> SaveAsync(Guid? id, JsonElement? conditions, CancellationToken cancellationToken)
    {
        var actor = HttpContext.GetActor();
        if (!ModelState.IsValid)
        {
            Problem = new InvalidError(InvalidError.ValidationFailed, "Some fields hold values of the wrong kind: " +
                string.Join(", ", ModelState.Where(e => e.Value?.Errors.Count > 0).Select(e => e.Key)) + ".");
            return await RedisplayAsync(id, cancellationToken);
        }
        var f = Form;
        var result = id is { } existing
            ? await handler.UpdateAsync(actor, existing, new UpdateAchievementRequest(f.Name ?? "", f.Description ?? "", f.Points, f.Frequency, f.FrequencyType, f.Enabled,
                f.BadgeId, f.BadgeId is null, conditions), cancellationToken)
            : await handler.CreateAsync(actor, new CreateAchievementRequest(f.OrganizationId, f.Name, f.Description, f.Points, f.Frequency, f.FrequencyType, f.Enabled,
                f.BadgeId, conditions), cancellationToken);
        if (result.IsSuccess)
        {
            return Redirect($"/achievements/{result.Value.Id}");
        }
        if (result.Error is not InvalidError invalid)
        {
            return this.ErrorPage(result.Error);
        }
        Problem = invalid;
        return await RedisplayAsync(id, cancellationToken);
    }

    private async Task<IActionResult> RedisplayAsync(Guid? id, CancellationToken cancellationToken)
    {
        Id = id;
        if (Form.ConditionsJson() is { } json && string.IsNullOrWhiteSpace(ConditionsJson))
        {
            ConditionsJson = JsonSerializer.Serialize(json, Indented);
        }
        if (Form.Rows.All(r => !string.IsNullOrEmpty(r.Type)))
        {
            Form.AddBlankRows();
        }
        await LoadChoicesAsync(await StoredAsync(id, cancellationToken), cancellationToken);
        return Page();
    }

    /// <summary>The edit form offers what the achievement's organization may name and award, and what it has (<see cref="AchievementChoicesHandler"/>); the create form, what the caller may.</summary>
    private async Task LoadChoicesAsync(AchievementDto? stored, CancellationToken cancellationToken) =>
        (Organizations, Badges, Courses) = await choices.LoadAsync(HttpContext.GetActor(), stored, cancellationToken);

    /// <summary>The achievement edited as stored (never as posted; null on the create form or when none is found).</summary>
    private async Task<AchievementDto?> StoredAsync(Guid? id, CancellationToken cancellationToken) =>
        id is { } existing && await handler.GetAsync(HttpContext.GetActor(), existing, cancellationToken) is { IsSuccess: true } found
            ? found.Value : null;

    /// <summary>The problems about one row ("conditions.conditions[2]..." or, with one row, "conditions...").</summary>
    public IEnumerable<string> RowProblems(int row)
    {
        if (Problem?.Fields is not { } fields)
        {
            return [];
        }
        var filled = Form.Rows.Where(r => !string.IsNullOrEmpty(r.Type)).ToList();
        var index = filled.IndexOf(Form.Rows[row]);
        if (index < 0)
        {
            return [];
        }
        var prefix = filled.Count == 1 ? "conditions" : $"conditions.conditions[{index}]";
        return fields.Where(f => f.Key == prefix || f.Key.StartsWith(prefix + ".", StringComparison.Ordinal)).SelectMany(f => f.Value);
    }
}
