namespace Rosette.Domain;

/// <summary>Collects the field errors of several checks so that one answer lists them all.</summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _fields = [];
    private string? _firstCode;

    public bool Any => _fields.Count > 0;

    public T? Check<T>(Result<T> result)
    {
        if (result.IsSuccess)
        {
            return result.Value;
        }
        Add(result.Error);
        return default;
    }

    public void Add(Error error)
    {
        _firstCode ??= error.Code;
        var fields = (error as InvalidError)?.Fields ?? new Dictionary<string, string[]> { [""] = [error.Message] };
        foreach (var (field, messages) in fields)
        {
            if (!_fields.TryGetValue(field, out var list))
            {
                _fields[field] = list = [];
            }
            list.AddRange(messages);
        }
    }

    public InvalidError ToError() => new(
        _fields.Count == 1 && _firstCode is not null ? _firstCode : InvalidError.ValidationFailed,
        string.Join(" ", _fields.Values.SelectMany(m => m)),
        _fields.ToDictionary(f => f.Key, f => f.Value.ToArray()));
}
