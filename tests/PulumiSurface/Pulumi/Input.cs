// Pulumi 3.107.3's Input<T>, InputList<T>, InputMap<T>, InputUnion<T0, T1> and Union<T0, T1>, declared from the SDK's
// public API for compiling against. The implicit conversions and Add overloads are the SDK's, one for one: they decide
// overload resolution (InputList<object>.Add is ambiguous for a string or an Output, pulumi/pulumi-dotnet#626).
using System.Collections;
using System.Collections.Immutable;

namespace Pulumi;

public class Input<T>
{
    private protected Input() { }

    public static implicit operator Input<T>(T value) => throw Surface.Only();
    public static implicit operator Input<T>(Output<T> value) => throw Surface.Only();
    public static implicit operator Output<T>(Input<T> input) => throw Surface.Only();
}

public static class InputExtensions
{
    public static Output<TResult> Apply<T, TResult>(this Input<T>? input, Func<T, TResult> func) => throw Surface.Only();
    public static Output<TResult> Apply<T, TResult>(this Input<T>? input, Func<T, Task<TResult>> func) => throw Surface.Only();
    public static Output<TResult> Apply<T, TResult>(this Input<T>? input, Func<T, Input<TResult>?> func) => throw Surface.Only();
    public static Output<TResult> Apply<T, TResult>(this Input<T>? input, Func<T, Output<TResult>?> func) => throw Surface.Only();
    public static Output<T> ToOutput<T>(this Input<T>? input) => throw Surface.Only();
}

public static class InputListExtensions
{
    public static void Add<T0, T1>(this InputList<Union<T0, T1>> list, Input<T0> value) => throw Surface.Only();
    public static void Add<T0, T1>(this InputList<Union<T0, T1>> list, Input<T1> value) => throw Surface.Only();
}

public static class InputMapExtensions
{
    public static void Add<T0, T1>(this InputMap<Union<T0, T1>> map, string key, Input<T0> value) => throw Surface.Only();
    public static void Add<T0, T1>(this InputMap<Union<T0, T1>> map, string key, Input<T1> value) => throw Surface.Only();
}

public sealed class InputList<T> : Input<ImmutableArray<T>>, IEnumerable, IAsyncEnumerable<Input<T>>
{
    public InputList() { }

    public void Add(params Input<T>[] inputs) => throw Surface.Only();
    public void Add(InputList<T> inputs) => throw Surface.Only();
    public void AddRange(InputList<T> inputs) => throw Surface.Only();
    public InputList<T> Concat(InputList<T> other) => throw Surface.Only();

    public static implicit operator InputList<T>(T value) => throw Surface.Only();
    public static implicit operator InputList<T>(Output<T> value) => throw Surface.Only();
    public static implicit operator InputList<T>(Input<T> value) => throw Surface.Only();
    public static implicit operator InputList<T>(T[] values) => throw Surface.Only();
    public static implicit operator InputList<T>(Output<T>[] values) => throw Surface.Only();
    public static implicit operator InputList<T>(Input<T>[] values) => throw Surface.Only();
    public static implicit operator InputList<T>(List<T> values) => throw Surface.Only();
    public static implicit operator InputList<T>(List<Output<T>> values) => throw Surface.Only();
    public static implicit operator InputList<T>(List<Input<T>> values) => throw Surface.Only();
    public static implicit operator InputList<T>(ImmutableArray<T> values) => throw Surface.Only();
    public static implicit operator InputList<T>(ImmutableArray<Output<T>> values) => throw Surface.Only();
    public static implicit operator InputList<T>(ImmutableArray<Input<T>> values) => throw Surface.Only();
    public static implicit operator InputList<T>(Output<T[]> values) => throw Surface.Only();
    public static implicit operator InputList<T>(Output<List<T>> values) => throw Surface.Only();
    public static implicit operator InputList<T>(Output<IEnumerable<T>> values) => throw Surface.Only();
    public static implicit operator InputList<T>(Output<ImmutableArray<T>> values) => throw Surface.Only();

    IEnumerator IEnumerable.GetEnumerator() => throw Surface.Only();
    public IAsyncEnumerator<Input<T>> GetAsyncEnumerator(CancellationToken cancellationToken) => throw Surface.Only();
}

public sealed class InputMap<TValue> : Input<ImmutableDictionary<string, TValue>>, IEnumerable, IAsyncEnumerable<Input<KeyValuePair<string, TValue>>>
{
    public InputMap() { }

    public void Add(string key, Input<TValue> value) => throw Surface.Only();
    public void Add(InputMap<TValue> values) => throw Surface.Only();
    public void AddRange(InputMap<TValue> values) => throw Surface.Only();
    public Input<TValue> this[string key] { set => throw Surface.Only(); }
    public static InputMap<TValue> Merge(InputMap<TValue> first, InputMap<TValue> second) => throw Surface.Only();

    public static implicit operator InputMap<TValue>(Dictionary<string, TValue> values) => throw Surface.Only();
    public static implicit operator InputMap<TValue>(ImmutableDictionary<string, TValue> values) => throw Surface.Only();
    public static implicit operator InputMap<TValue>(Output<Dictionary<string, TValue>> values) => throw Surface.Only();
    public static implicit operator InputMap<TValue>(Output<IDictionary<string, TValue>> values) => throw Surface.Only();
    public static implicit operator InputMap<TValue>(Output<ImmutableDictionary<string, TValue>> values) => throw Surface.Only();

    IEnumerator IEnumerable.GetEnumerator() => throw Surface.Only();
    public IAsyncEnumerator<Input<KeyValuePair<string, TValue>>> GetAsyncEnumerator(CancellationToken cancellationToken) => throw Surface.Only();
}

public sealed class InputUnion<T0, T1> : Input<Union<T0, T1>>
{
    public InputUnion() { }

    public static implicit operator InputUnion<T0, T1>(Union<T0, T1> value) => throw Surface.Only();
    public static implicit operator InputUnion<T0, T1>(T0 value) => throw Surface.Only();
    public static implicit operator InputUnion<T0, T1>(T1 value) => throw Surface.Only();
    public static implicit operator InputUnion<T0, T1>(Input<T0> value) => throw Surface.Only();
    public static implicit operator InputUnion<T0, T1>(Input<T1> value) => throw Surface.Only();
    public static implicit operator InputUnion<T0, T1>(Output<Union<T0, T1>> value) => throw Surface.Only();
    public static implicit operator InputUnion<T0, T1>(Output<T0> value) => throw Surface.Only();
    public static implicit operator InputUnion<T0, T1>(Output<T1> value) => throw Surface.Only();
}

public readonly struct Union<T0, T1> : IEquatable<Union<T0, T1>>
{
    public T0 AsT0 => throw Surface.Only();
    public T1 AsT1 => throw Surface.Only();
    public bool IsT0 => throw Surface.Only();
    public bool IsT1 => throw Surface.Only();
    public object Value => throw Surface.Only();

    public static Union<T0, T1> FromT0(T0 input) => throw Surface.Only();
    public static Union<T0, T1> FromT1(T1 input) => throw Surface.Only();
    public TResult Match<TResult>(Func<T0, TResult> f0, Func<T1, TResult> f1) => throw Surface.Only();
    public void Switch(Action<T0> f0, Action<T1> f1) => throw Surface.Only();

    public override bool Equals(object? obj) => throw Surface.Only();
    public override int GetHashCode() => throw Surface.Only();
    public bool Equals(Union<T0, T1> other) => throw Surface.Only();

    public static implicit operator Union<T0, T1>(T0 t) => throw Surface.Only();
    public static implicit operator Union<T0, T1>(T1 t) => throw Surface.Only();
    public static bool operator ==(Union<T0, T1> left, Union<T0, T1> right) => throw Surface.Only();
    public static bool operator !=(Union<T0, T1> left, Union<T0, T1> right) => throw Surface.Only();
}

/// <summary>Every member of this surface throws: it exists to be compiled against, never run.</summary>
internal static class Surface
{
    public static NotSupportedException Only() => new("compile-check surface only");
}
