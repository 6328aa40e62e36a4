// Pulumi 3.107.3's Output and Output<T>, declared from the SDK's public API for compiling against (Output.Tuple
// up to 4 items here; the SDK goes on to 8 with the same Input/Output pair of overloads).
using System.Collections.Immutable;

namespace Pulumi;

public static class Output
{
    public static Output<T> Create<T>(T value) => throw Surface.Only();
    public static Output<T> Create<T>(Task<T> value) => throw Surface.Only();
    public static Output<T> CreateSecret<T>(T value) => throw Surface.Only();
    public static Output<T> CreateSecret<T>(Task<T> value) => throw Surface.Only();
    public static Output<T> CreateSecret<T>(Output<T> value) => throw Surface.Only();
    public static Output<T> Unsecret<T>(Output<T> output) => throw Surface.Only();
    public static Task<bool> IsSecretAsync<T>(Output<T> output) => throw Surface.Only();

    public static Output<ImmutableArray<T>> All<T>(params Input<T>[] inputs) => throw Surface.Only();
    public static Output<ImmutableArray<T>> All<T>(IEnumerable<Input<T>> inputs) => throw Surface.Only();
    public static Output<ImmutableArray<T>> All<T>(params Output<T>[] outputs) => throw Surface.Only();
    public static Output<ImmutableArray<T>> All<T>(IEnumerable<Output<T>> outputs) => throw Surface.Only();

    public static Output<string> Format(FormattableString formattableString) => throw Surface.Only();
    public static Output<string> JsonSerialize<T>(Output<T> value, System.Text.Json.JsonSerializerOptions? options = null) => throw Surface.Only();
    public static Output<T> JsonDeserialize<T>(Output<string> json, System.Text.Json.JsonSerializerOptions? options = null) => throw Surface.Only();

    public static Output<(T1, T2)> Tuple<T1, T2>(Input<T1> item1, Input<T2> item2) => throw Surface.Only();
    public static Output<(T1, T2, T3)> Tuple<T1, T2, T3>(Input<T1> item1, Input<T2> item2, Input<T3> item3) => throw Surface.Only();
    public static Output<(T1, T2, T3, T4)> Tuple<T1, T2, T3, T4>(Input<T1> item1, Input<T2> item2, Input<T3> item3, Input<T4> item4) => throw Surface.Only();
    public static Output<(T1, T2)> Tuple<T1, T2>(Output<T1> item1, Output<T2> item2) => throw Surface.Only();
    public static Output<(T1, T2, T3)> Tuple<T1, T2, T3>(Output<T1> item1, Output<T2> item2, Output<T3> item3) => throw Surface.Only();
    public static Output<(T1, T2, T3, T4)> Tuple<T1, T2, T3, T4>(Output<T1> item1, Output<T2> item2, Output<T3> item3, Output<T4> item4) => throw Surface.Only();
}

public sealed class Output<T>
{
    private Output() { }

    public static Output<T> Create(Task<T> value) => throw Surface.Only();

    public Output<ValueTuple> Apply(Func<T, Task> func) => throw Surface.Only();
    public Output<TResult> Apply<TResult>(Func<T, TResult> func) => throw Surface.Only();
    public Output<TResult> Apply<TResult>(Func<T, Task<TResult>> func) => throw Surface.Only();
    public Output<TResult> Apply<TResult>(Func<T, Input<TResult>?> func) => throw Surface.Only();
    public Output<TResult> Apply<TResult>(Func<T, Output<TResult>?> func) => throw Surface.Only();
    public Output<TResult> UntypedApply<TResult>(Func<object?, Output<TResult>> func) => throw Surface.Only();

    public override string ToString() => throw Surface.Only();
}

public static class OutputExtensions
{
    public static Output<T> GetAt<T>(this Output<ImmutableArray<T>> array, Input<int> index) => throw Surface.Only();
    public static Output<T> First<T>(this Output<ImmutableArray<T>> array) => throw Surface.Only();
    public static Output<int> Length<T>(this Output<ImmutableArray<T>> array) => throw Surface.Only();
    public static Output<bool> IsT0<T0, T1>(this Output<Union<T0, T1>> output) => throw Surface.Only();
    public static Output<bool> IsT1<T0, T1>(this Output<Union<T0, T1>> output) => throw Surface.Only();
    public static Output<T0> AsT0<T0, T1>(this Output<Union<T0, T1>> output) => throw Surface.Only();
    public static Output<T1> AsT1<T0, T1>(this Output<Union<T0, T1>> output) => throw Surface.Only();
    public static Output<object> Value<T0, T1>(this Output<Union<T0, T1>> output) => throw Surface.Only();
}
