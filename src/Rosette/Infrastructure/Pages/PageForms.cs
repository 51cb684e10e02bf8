using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Razor.TagHelpers;
using Rosette.Domain;

namespace Rosette.Infrastructure.Pages;

/// <summary>A handler's error as inline form messages: each field error beside its field, anything else above the form.</summary>
public static class PageForms
{
    /// <summary>
    /// Adds <paramref name="error"/> to the model state: a field named "firstName" by the handler lands on
    /// "{prefix}.FirstName", the page's bound property; errors without a field land on the form as a whole.
    /// </summary>
    public static void AddError(this ModelStateDictionary modelState, Error error, string prefix = "Input")
    {
        if (error is InvalidError { Fields: { Count: > 0 } fields })
        {
            foreach (var (field, messages) in fields)
            {
                var key = field.Length == 0 ? "" : $"{prefix}.{char.ToUpperInvariant(field[0])}{field[1..]}";
                foreach (var message in messages)
                {
                    modelState.AddModelError(key, message);
                }
            }
            return;
        }
        modelState.AddModelError("", error.Message);
    }
}

/// <summary>
/// Marks a form control with errors for assistive technology: aria-invalid, and aria-describedby pointing at the
/// message that <c>asp-validation-for</c> renders (its id is the control's id + "-error", see _FieldError).
/// </summary>
[HtmlTargetElement("input", Attributes = "asp-for")]
[HtmlTargetElement("select", Attributes = "asp-for")]
[HtmlTargetElement("textarea", Attributes = "asp-for")]
public sealed class AriaInvalidTagHelper : TagHelper
{
    [HtmlAttributeName("asp-for")]
    public Microsoft.AspNetCore.Mvc.ViewFeatures.ModelExpression For { get; set; } = null!;

    [Microsoft.AspNetCore.Mvc.ViewFeatures.ViewContext]
    [HtmlAttributeNotBound]
    public Microsoft.AspNetCore.Mvc.Rendering.ViewContext ViewContext { get; set; } = null!;

    // After the framework's input tag helpers, which write the id.
    public override int Order => 1000;

    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        if (ViewContext.ViewData.ModelState.TryGetValue(For.Name, out var entry) && entry.Errors.Count > 0)
        {
            output.Attributes.SetAttribute("aria-invalid", "true");
            var id = output.Attributes["id"]?.Value?.ToString()
                ?? Microsoft.AspNetCore.Mvc.Rendering.TagBuilder.CreateSanitizedId(
                    ViewContext.ViewData.TemplateInfo.GetFullHtmlFieldName(For.Name), "_");
            var described = output.Attributes["aria-describedby"]?.Value?.ToString();
            output.Attributes.SetAttribute("aria-describedby", string.IsNullOrEmpty(described) ? $"{id}-error" : $"{described} {id}-error");
        }
    }
}

/// <summary>Gives each field's message an id ("{control id}-error") that <see cref="AriaInvalidTagHelper"/> points at.</summary>
[HtmlTargetElement("span", Attributes = "asp-validation-for")]
public sealed class FieldErrorIdTagHelper : TagHelper
{
    [HtmlAttributeName("asp-validation-for")]
    public Microsoft.AspNetCore.Mvc.ViewFeatures.ModelExpression For { get; set; } = null!;

    [Microsoft.AspNetCore.Mvc.ViewFeatures.ViewContext]
    [HtmlAttributeNotBound]
    public Microsoft.AspNetCore.Mvc.Rendering.ViewContext ViewContext { get; set; } = null!;

    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        if (!output.Attributes.ContainsName("id"))
        {
            var name = ViewContext.ViewData.TemplateInfo.GetFullHtmlFieldName(For.Name);
            output.Attributes.SetAttribute("id", $"{Microsoft.AspNetCore.Mvc.Rendering.TagBuilder.CreateSanitizedId(name, "_")}-error");
        }
    }
}
