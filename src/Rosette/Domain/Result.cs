using System.Diagnostics.CodeAnalysis;

namespace Rosette.Domain;

/// <summary>Either a value or an <see cref="Domain.Error"/>; expected failures travel as values, never as exceptions.</summary>
public readonly struct Result<T>
{
    private readonly T? _value;

    private Result(T? value, Error? error)
    {
        _value = value;
        Error = error;
    }

    public Error? Error { get; }

    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Error is null;

    public T Value => IsSuccess ? _value! : throw new InvalidOperationException($"Result holds error '{Error.Code}'.");

    public static implicit operator Result<T>(T value) => new(value, null);

    public static implicit operator Result<T>(Error error) => new(default, error);
}

public static class Result
{
    /// <summary>A success; for values whose type has no implicit conversion (interfaces).</summary>
    public static Result<T> Success<T>(T value) => value;
}
