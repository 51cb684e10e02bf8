using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Rosette.Domain.ApiKeys;
using Rosette.Infrastructure.Auth;

namespace Rosette.Infrastructure.Http;

/// <summary>
/// Tells OpenAPI readers how /api/v1 authenticates: a sign-in token from POST /api/v1/auth/token, or an API key. Both
/// travel as <c>Authorization: Bearer</c>; an operation open to keys names the permissions that open it.
/// </summary>
internal sealed class BearerSecurityTransformer : IOpenApiDocumentTransformer, IOpenApiOperationTransformer
{
    public const string TokenScheme = "bearer";
    public const string ApiKeyScheme = "apiKey";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "Rosette API";
        document.Info.Description = "Badge issuing for class-based training. People get a token from POST /api/v1/auth/token and send it as "
            + "'Authorization: Bearer <token>'. Integrations send an API key (created by an administrator) the same way: 'Authorization: Bearer rk_...'; "
            + "a key may call only the operations that name one of its permissions, and gets 403 api_key_not_permitted elsewhere.";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[TokenScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "A person's token from POST /api/v1/auth/token (one hour).",
        };
        document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "rk_ API key",
            Description = "An API key (rk_...) made by an administrator for an organization's subtree, with permissions: "
                + string.Join(", ", ApiKey.PermissionNames.Keys) + ". Rate-limited per key (429 rate_limited with Retry-After).",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(TokenScheme, document)] = [] });
        return Task.CompletedTask;
    }

    /// <summary>An operation open to API keys accepts either scheme and says which key permissions open it.</summary>
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var access = context.Description.ActionDescriptor.EndpointMetadata.OfType<ApiKeyAccess>().LastOrDefault();
        if (access is null)
        {
            return Task.CompletedTask;
        }
        var names = ApiKey.NamesOf(access.Permissions);
        operation.Description = $"{operation.Description}\n\nAPI keys: needs {string.Join(" or ", names)}.".TrimStart();
        operation.Security ??= [];
        operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(TokenScheme, context.Document)] = [] });
        operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, context.Document)] = [.. names] });
        return Task.CompletedTask;
    }
}
