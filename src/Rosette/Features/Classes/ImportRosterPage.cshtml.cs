using System.Text;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Domain;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Classes;

/// <summary>
/// Import a roster from CSV in two steps: upload, and see row by row what would happen (nothing is written); then import,
/// which commits the accepted rows. The file travels back with the second step, so nothing is kept on the server between them.
/// </summary>
[ShowsOversizedUpload]
public sealed class ImportRosterPageModel(RosterImportHandler imports, ClassesHandler classes) : PageModel
{
    public const int MaxFileBytes = 2 * 1024 * 1024;
    public const int MaxRowsShown = 1000;

    public ClassDto Class { get; private set; } = null!;

    public const string FileField = "File";

    /// <summary>The file's text, carried from the preview to the import.</summary>
    [BindProperty]
    public string? Csv { get; set; }

    public RosterImportResult? Result { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await LoadAsync(id, cancellationToken) is { } failed)
        {
            return failed;
        }
        if (RequestSizeLimit.WasRefused(HttpContext))
        {
            // An upload over the whole request's limit: its status stays 413, with the form and the message a smaller file over 2 MB gets.
            TooLarge();
        }
        return Page();
    }

    public async Task<IActionResult> OnPostPreviewAsync(Guid id, IFormFile? file, CancellationToken cancellationToken)
    {
        if (await LoadAsync(id, cancellationToken) is { } failed)
        {
            return failed;
        }
        if (file is null || file.Length == 0)
        {
            ModelState.AddModelError(FileField, "Choose a CSV file.");
            return Page();
        }
        if (file.Length > MaxFileBytes)
        {
            TooLarge();
            return Page();
        }
        using (var reader = new StreamReader(file.OpenReadStream(), Encoding.UTF8, detectEncodingFromByteOrderMarks: true))
        {
            Csv = await reader.ReadToEndAsync(cancellationToken);
        }
        return await RunAsync(id, commit: false, cancellationToken);
    }

    public async Task<IActionResult> OnPostImportAsync(Guid id, CancellationToken cancellationToken) =>
        await LoadAsync(id, cancellationToken) ?? await RunAsync(id, commit: true, cancellationToken);

    private async Task<IActionResult> RunAsync(Guid id, bool commit, CancellationToken cancellationToken)
    {
        var actor = HttpContext.GetActor();
        var result = commit
            ? await imports.ImportAsync(actor, id, Csv ?? "", cancellationToken)
            : await imports.PreviewAsync(actor, id, Csv ?? "", cancellationToken);
        if (!result.IsSuccess)
        {
            if (result.Error is NotFoundError or ForbiddenError)
            {
                return this.ErrorPage(result.Error);
            }
            ModelState.AddModelError(FileField, result.Error.Message);
            Csv = null;
            return Page();
        }
        Result = result.Value;
        return Page();
    }

    private void TooLarge() => ModelState.AddModelError(FileField, $"The file is larger than {MaxFileBytes / 1024 / 1024} MB: split it.");

    private async Task<IActionResult?> LoadAsync(Guid id, CancellationToken cancellationToken)
    {
        var actor = HttpContext.GetActor();
        var found = await classes.GetAsync(actor, id, cancellationToken);
        if (!found.IsSuccess)
        {
            return this.ErrorPage(found.Error);
        }
        Class = found.Value;
        return null;
    }
}
