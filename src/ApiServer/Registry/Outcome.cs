using KubeNet.ApiMachinery.Errors;

namespace KubeNet.ApiServer.Registry;

/// <summary>A value or the API error that replaces it; expected failures travel as values, not exceptions.</summary>
internal readonly struct Outcome<T>
{
    private Outcome(T? value, ApiError? error)
    {
        Value = value;
        Error = error;
    }

    public T? Value { get; }

    public ApiError? Error { get; }

    public bool IsOk => Error is null;

    /// <summary>For interface-typed values, which implicit conversions cannot take.</summary>
    public static Outcome<T> Ok(T value) => new(value, null);

    public static implicit operator Outcome<T>(T value) => new(value, null);

    public static implicit operator Outcome<T>(ApiError error) => new(default, error);
}
