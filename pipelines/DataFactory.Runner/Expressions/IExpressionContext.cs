using System.Text.Json.Nodes;

namespace DataFactory.Runner.Expressions;

/// <summary>What an expression can see while a pipeline runs.</summary>
public interface IExpressionContext
{
    /// <summary><c>pipeline()</c>: parameters, RunId, Pipeline, DataFactory, TriggerTime, ...</summary>
    JsonObject Pipeline { get; }

    /// <summary><c>variables('name')</c>; throws for an undeclared variable.</summary>
    JsonNode? Variable(string name);

    /// <summary><c>activity('name')</c>: { output, error, status }; throws for one that has not run.</summary>
    JsonNode? Activity(string name);

    /// <summary><c>item()</c> inside a ForEach; throws elsewhere.</summary>
    JsonNode? Item();

    DateTimeOffset UtcNow { get; }
}
