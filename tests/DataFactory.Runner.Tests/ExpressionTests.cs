using System.Text.Json.Nodes;
using DataFactory.Runner.Expressions;

namespace DataFactory.Runner.Tests;

/// <summary>Expression cases; expected values follow the Data Factory function reference's examples where it gives them.</summary>
public sealed class ExpressionTests
{
    private static readonly EvalContext Context = EvalContext.From([
        "n=5", "s=hello", "list=[1,2,3]", "obj={\"a\":{\"b\":[10,20]},\"Name\":\"x\",\"nothing\":null}", "flag=true", "pi=3.14", "empty=",
    ]);

    /// <summary>As a pipeline JSON string value: '@...' is an expression, '@{...}' interpolates, anything else is text.</summary>
    private static JsonNode? Eval(string expression) => Template.EvaluateString(expression, Context);

    public static TheoryData<string, string> Cases => new()
    {
        // literals and escapes
        { "@'text'", "\"text\"" },
        { "@'it''s'", "\"it's\"" },
        { "@42", "42" },
        { "@-7", "-7" },
        { "@3.5", "3.5" },
        { "@true", "true" },
        { "@false", "false" },
        { "@null", "null" },
        { "@@not an expression", "\"@not an expression\"" },
        { "plain text", "\"plain text\"" },
        { "Answer: @{add(40, 2)}", "\"Answer: 42\"" },
        { "@{'a'}@{'b'}", "\"ab\"" },
        { "n is @{pipeline().parameters.n} and s is @{pipeline().parameters.s}", "\"n is 5 and s is hello\"" },
        { "@{pipeline().parameters.list}", "\"[1,2,3]\"" },
        { "@{concat('{', '}')}", "\"{}\"" },
        { "braces {} stay", "\"braces {} stay\"" },
        // member and index access
        { "@pipeline().parameters.n", "5" },
        { "@pipeline().parameters['s']", "\"hello\"" },
        { "@pipeline().parameters.obj.a.b[1]", "20" },
        { "@pipeline().parameters.obj['a']['b'][0]", "10" },
        { "@pipeline().parameters.obj.name", "\"x\"" },
        { "@pipeline().parameters.obj?.missing", "null" },
        { "@pipeline().parameters.obj.nothing?.deeper", "null" },
        { "@pipeline().parameters.list?[7]", "null" },
        { "@pipeline().parameters.list[2]", "3" },
        { "@pipeline().Pipeline", "\"eval\"" },
        { "@pipeline().parameters.flag", "true" },
        { "@createArray(1, 'a', true)[1]", "\"a\"" },
        { "@json('{\"k\":[1,{\"m\":2}]}').k[1].m", "2" },
        // string functions
        { "@concat('Hello', 'World')", "\"HelloWorld\"" },
        { "@concat('n=', 5)", "\"n=5\"" },
        { "@concat('flag=', true)", "\"flag=True\"" },
        { "@concat(createArray(1), createArray(2, 3))", "[1,2,3]" },
        { "@substring('hello world', 6, 5)", "\"world\"" },
        { "@substring('hello world', 6)", "\"world\"" },
        { "@replace('the old string', 'old', 'new')", "\"the new string\"" },
        { "@replace('aaa', 'a', 'b')", "\"bbb\"" },
        { "@replace('Old', 'old', 'new')", "\"Old\"" },
        { "@toLower('Hello World')", "\"hello world\"" },
        { "@toUpper('Hello World')", "\"HELLO WORLD\"" },
        { "@trim('  Hello World  ')", "\"Hello World\"" },
        { "@startsWith('hello world', 'hello')", "true" },
        { "@startsWith('hello world', 'HELLO')", "true" },
        { "@startsWith('hello world', 'world')", "false" },
        { "@endsWith('hello world', 'world')", "true" },
        { "@endsWith('hello world', 'universe')", "false" },
        { "@indexOf('hello world', 'world')", "6" },
        { "@indexOf('hello world', 'WORLD')", "6" },
        { "@indexOf('hello world', 'xyz')", "-1" },
        { "@lastIndexOf('hello world world', 'world')", "12" },
        { "@split('a_b_c', '_')", "[\"a\",\"b\",\"c\"]" },
        { "@split('abc', ',')", "[\"abc\"]" },
        { "@length('abcd')", "4" },
        { "@length('')", "0" },
        { "@uriComponent('https://contoso.com')", "\"https%3A%2F%2Fcontoso.com\"" },
        { "@encodeUriComponent('a b&c')", "\"a%20b%26c\"" },
        { "@uriComponentToString('https%3A%2F%2Fcontoso.com')", "\"https://contoso.com\"" },
        { "@base64('hello')", "\"aGVsbG8=\"" },
        { "@base64ToString('aGVsbG8=')", "\"hello\"" },
        { "@length(guid())", "36" },
        { "@length(guid('N'))", "32" },
        // collection functions
        { "@contains('hello world', 'world')", "true" },
        { "@contains('hello world', 'World')", "false" },
        { "@contains(createArray('a', 'b'), 'b')", "true" },
        { "@contains(createArray(1, 2), 3)", "false" },
        { "@contains(json('{\"k\":1}'), 'k')", "true" },
        { "@contains(json('{\"k\":1}'), 'v')", "false" },
        { "@empty('')", "true" },
        { "@empty('a')", "false" },
        { "@empty(createArray())", "true" },
        { "@empty(json('{}'))", "true" },
        { "@empty(null)", "true" },
        { "@empty(pipeline().parameters.empty)", "true" },
        { "@first('hello')", "\"h\"" },
        { "@first(createArray(0, 1, 2))", "0" },
        { "@first(createArray())", "null" },
        { "@last('abcd')", "\"d\"" },
        { "@last(createArray(0, 1, 2))", "2" },
        { "@length(createArray(0, 1, 2))", "3" },
        { "@length(pipeline().parameters.list)", "3" },
        { "@join(createArray('a', 'b', 'c'), '.')", "\"a.b.c\"" },
        { "@join(pipeline().parameters.list, ',')", "\"1,2,3\"" },
        { "@skip(createArray(0, 1, 2, 3), 2)", "[2,3]" },
        { "@take(createArray(0, 1, 2, 3), 2)", "[0,1]" },
        { "@take('abcde', 3)", "\"abc\"" },
        { "@union(createArray(1, 2, 3), createArray(1, 2, 10, 101))", "[1,2,3,10,101]" },
        { "@union(json('{\"a\":1}'), json('{\"b\":2}'))", "{\"a\":1,\"b\":2}" },
        { "@union(json('{\"a\":1}'), json('{\"a\":2}'))", "{\"a\":2}" },
        { "@intersection(createArray(1, 2, 3), createArray(101, 2, 1, 10), createArray(6, 8, 1, 2))", "[1,2]" },
        { "@intersection(json('{\"a\":1,\"b\":2}'), json('{\"a\":1,\"b\":3}'))", "{\"a\":1}" },
        { "@createArray()", "[]" },
        { "@createArray('h', 'e', 'l', 'l', 'o')", "[\"h\",\"e\",\"l\",\"l\",\"o\"]" },
        { "@coalesce(null, true, false)", "true" },
        { "@coalesce(null, 'hello', 'world')", "\"hello\"" },
        { "@coalesce(null, null)", "null" },
        { "@coalesce(pipeline().parameters.obj?.missing, 'default')", "\"default\"" },
        { "@range(1, 4)", "[1,2,3,4]" },
        // logical functions
        { "@equals(true, 1)", "false" },
        { "@equals('abc', 'abc')", "true" },
        { "@equals('abc', 'ABC')", "false" },
        { "@equals(1, 1.0)", "true" },
        { "@equals(createArray(1, 2), createArray(1, 2))", "true" },
        { "@equals(json('{\"a\":1}'), json('{\"a\":1}'))", "true" },
        { "@equals(null, null)", "true" },
        { "@not(false)", "true" },
        { "@not(equals(1, 2))", "true" },
        { "@and(true, true)", "true" },
        { "@and(true, false)", "false" },
        { "@and(true, true, false)", "false" },
        { "@or(false, false)", "false" },
        { "@or(false, true)", "true" },
        { "@or(false, false, true)", "true" },
        { "@if(equals(1, 1), 'yes', 'no')", "\"yes\"" },
        { "@if(false, 1, createArray(2))", "[2]" },
        { "@greater(10, 5)", "true" },
        { "@greater('apple', 'banana')", "false" },
        { "@greater(5, 5)", "false" },
        { "@greaterOrEquals(5, 5)", "true" },
        { "@greaterOrEquals('apple', 'banana')", "false" },
        { "@less(5, 10)", "true" },
        { "@less('banana', 'apple')", "false" },
        { "@lessOrEquals(10, 10)", "true" },
        { "@lessOrEquals(2.5, 2)", "false" },
        // conversion functions
        { "@int('10')", "10" },
        { "@int(' -3 ')", "-3" },
        { "@int(4.0)", "4" },
        { "@float('10.333')", "10.333" },
        { "@float(2)", "2" },
        { "@string(10)", "\"10\"" },
        { "@string(2.5)", "\"2.5\"" },
        { "@string(true)", "\"True\"" },
        { "@string(json('{\"name\":\"Sophie Owen\"}'))", "\"{\\\"name\\\":\\\"Sophie Owen\\\"}\"" },
        { "@string(null)", "\"\"" },
        { "@bool(1)", "true" },
        { "@bool(0)", "false" },
        { "@bool('true')", "true" },
        { "@bool('False')", "false" },
        { "@json('[1, 2]')", "[1,2]" },
        { "@json('{\"fullName\": \"Sophia Owen\"}').fullName", "\"Sophia Owen\"" },
        { "@json(pipeline().parameters.obj).a.b[0]", "10" },
        { "@array('hello')", "[\"hello\"]" },
        // math functions: integers stay integers
        { "@add(1, 1.5)", "2.5" },
        { "@add(2, 3)", "5" },
        { "@sub(10.3, .3)", "10" },
        { "@sub(10, 3)", "7" },
        { "@mul(1, 2)", "2" },
        { "@mul(1.5, 2)", "3" },
        { "@div(10, 5)", "2" },
        { "@div(11, 5)", "2" },
        { "@div(11, 5.0)", "2.2" },
        { "@div(-7, 2)", "-3" },
        { "@mod(3, 2)", "1" },
        { "@mod(-5, 2)", "-1" },
        { "@min(1, 2, 3)", "1" },
        { "@min(createArray(1, 2, 3))", "1" },
        { "@max(1, 2, 3)", "3" },
        { "@max(createArray(1.5, 2.5, 0))", "2.5" },
        { "@add(pipeline().parameters.n, pipeline().parameters.pi)", "8.14" },
        // date functions
        { "@formatDateTime('03/15/2018 12:00:00', 'yyyy-MM-ddTHH:mm:ss')", "\"2018-03-15T12:00:00\"" },
        { "@formatDateTime('2018-03-15T13:00:00Z')", "\"2018-03-15T13:00:00.0000000Z\"" },
        { "@addDays('2018-03-15T13:00:00Z', 10)", "\"2018-03-25T13:00:00.0000000Z\"" },
        { "@addDays('2018-03-15T00:00:00Z', -5)", "\"2018-03-10T00:00:00.0000000Z\"" },
        { "@addHours('2018-03-15T00:00:00Z', 10)", "\"2018-03-15T10:00:00.0000000Z\"" },
        { "@addMinutes('2018-03-15T00:10:00Z', 10)", "\"2018-03-15T00:20:00.0000000Z\"" },
        { "@addSeconds('2018-03-15T00:00:00Z', -5)", "\"2018-03-14T23:59:55.0000000Z\"" },
        { "@addDays('2018-03-15T13:00:00Z', 1, 'yyyy-MM-dd')", "\"2018-03-16\"" },
        { "@startOfDay('2018-03-15T13:30:30Z')", "\"2018-03-15T00:00:00.0000000Z\"" },
        { "@dayOfWeek('2018-03-15T13:27:36Z')", "4" },
        { "@dayOfMonth('2018-03-15T13:27:36Z')", "15" },
        { "@ticks('2018-03-15T13:27:36Z')", "636567172560000000" },
        // function names are not case-sensitive; property names match without case
        { "@CONCAT('a', 'b')", "\"ab\"" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Evaluates(string expression, string expectedJson)
    {
        var expected = JsonNode.Parse(expectedJson);
        var actual = Eval(expression);
        Assert.True(Values.AreEqual(expected, actual) && Values.KindOf(expected) == Values.KindOf(actual)
                || (Values.IsNumber(expected) && Values.IsNumber(actual) && Values.AreEqual(expected, actual)),
            $"{expression} gave {actual?.ToJsonString() ?? "null"} ({Values.KindOf(actual)}), expected {expectedJson} ({Values.KindOf(expected)})");
    }

    [Fact]
    public void UtcNow_is_the_context_clock_in_iso_8601()
    {
        var now = DateTimeOffset.Parse(Eval("@utcNow()")!.GetValue<string>());
        Assert.InRange(now, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal(now.ToString("yyyy"), Eval("@utcNow('yyyy')")!.GetValue<string>());
    }

    [Theory]
    [InlineData("@add(2, 3)", Values.Kind.Integer)]
    [InlineData("@add(2, 3.0)", Values.Kind.Float)]
    [InlineData("@div(7, 2)", Values.Kind.Integer)]
    [InlineData("@div(7.0, 2)", Values.Kind.Float)]
    [InlineData("@int('7')", Values.Kind.Integer)]
    [InlineData("@float('7')", Values.Kind.Float)]
    [InlineData("@length('abc')", Values.Kind.Integer)]
    public void Integer_and_float_results_stay_apart(string expression, Values.Kind kind) => Assert.Equal(kind, Values.KindOf(Eval(expression)));

    /// <summary>microsoft/data-factory-testing-framework test_evaluate: string_literal, string_with_ws_literal, integer_literal.</summary>
    [Theory]
    [InlineData("value", "value")]
    [InlineData(" value ", " value ")]
    [InlineData("11", "11")]
    [InlineData("add(1, 2)", "add(1, 2)")]
    [InlineData("parameters[1]", "parameters[1]")]
    [InlineData("@@", "@")]
    [InlineData(" @", " @")]
    public void Eval_input_without_a_leading_at_is_a_literal_string(string input, string expected)
    {
        var value = EvalContext.Evaluate(input, Context);
        Assert.Equal(Values.Kind.String, Values.KindOf(value));
        Assert.Equal(expected, value!.GetValue<string>());
    }
}
