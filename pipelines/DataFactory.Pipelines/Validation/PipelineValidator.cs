using System.Text.RegularExpressions;
using DataFactory.Pipelines.Model;

namespace DataFactory.Pipelines.Validation;

/// <param name="Path">Where: pipeline/activity/inner activity.</param>
/// <param name="Message">What is wrong, and what to do.</param>
public sealed record ValidationError(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>
/// The mistakes Data Factory would reject at publish time or that make a pipeline misbehave at run time,
/// found before anything is deployed.
/// </summary>
public static partial class PipelineValidator
{
    public static IReadOnlyList<ValidationError> Validate(Pipeline pipeline)
    {
        var errors = new List<ValidationError>();
        var all = pipeline.AllActivities().ToList();
        string PathOf(Activity activity, IReadOnlyList<Activity> containers) =>
            string.Join('/', new[] { pipeline.Name }.Concat(containers.Select(c => c.Name)).Append(activity.Name));

        // Activity names are unique in the whole pipeline: activity('Name') refers to them across scopes.
        foreach (var duplicate in all.GroupBy(a => a.Activity.Name).Where(g => g.Count() > 1))
        {
            errors.Add(new(PathOf(duplicate.First().Activity, duplicate.First().Containers),
                $"{duplicate.Count()} activities are named '{duplicate.Key}'; activity names must be unique in a pipeline."));
        }
        var names = all.Select(a => a.Activity.Name).ToHashSet();

        foreach (var (activity, containers) in all)
        {
            var path = PathOf(activity, containers);
            if (!ActivityName().IsMatch(activity.Name))
                errors.Add(new(path, "Activity names are 1-55 characters and cannot contain . + ? / < > * % & : \\ or start/end with a space."));

            // dependsOn only within the same list of activities.
            var siblings = containers.Count == 0
                ? pipeline.Activities
                : containers[^1].ChildScopes.First(scope => scope.Contains(activity));
            foreach (var dependency in activity.DependsOn)
            {
                if (!siblings.Any(s => s.Name == dependency.Activity))
                {
                    errors.Add(new(path, names.Contains(dependency.Activity)
                        ? $"dependsOn '{dependency.Activity}', which is in another scope; an activity can only depend on activities in the same container."
                        : $"dependsOn '{dependency.Activity}', which does not exist."));
                }
                if (dependency.Conditions.Length == 0)
                    errors.Add(new(path, $"dependsOn '{dependency.Activity}' lists no dependencyConditions (Succeeded, Failed, Skipped or Completed)."));
            }

            // Nesting Data Factory forbids (concepts-nested-activities): ForEach/Until one level only; If/Switch not in
            // If/Switch (they may be in ForEach/Until); a Validation activity in no container at all.
            if (activity is ForEachActivity or UntilActivity && containers.FirstOrDefault(c => c is ForEachActivity or UntilActivity) is { } loop)
                errors.Add(new(path, $"A {activity.Type} cannot be nested in a {loop.Type} ('{loop.Name}'); move the inner loop into a pipeline run by ExecutePipeline."));
            if (activity is IfConditionActivity or SwitchActivity && containers.FirstOrDefault(c => c is IfConditionActivity or SwitchActivity) is { } branch)
                errors.Add(new(path, $"A {activity.Type} cannot be nested in a {branch.Type} ('{branch.Name}'); combine the conditions or use ExecutePipeline."));
            if (activity.Type.Equals("Validation", StringComparison.OrdinalIgnoreCase) && containers.Count > 0)
                errors.Add(new(path, $"A Validation activity cannot be nested in a {containers[^1].Type} ('{containers[^1].Name}'); put it at the top level of the pipeline or of a pipeline run by ExecutePipeline."));
            if (activity is SwitchActivity @switch)
            {
                foreach (var duplicate in @switch.Cases.GroupBy(c => c.Value).Where(g => g.Count() > 1))
                    errors.Add(new(path, $"{duplicate.Count()} cases have the value '{duplicate.Key}'; each case value must be unique."));
            }

            switch (activity)
            {
                case UntilActivity { Timeout: null }:
                    errors.Add(new(path, "The Until loop has no timeout; set one (d.hh:mm:ss) so that a loop whose condition never becomes true ends."));
                    break;
                case UntilActivity { Timeout: Literal { Node: var timeout } } when !TimeSpanText().IsMatch(timeout?.ToString() ?? ""):
                    errors.Add(new(path, $"The Until timeout '{timeout}' is not d.hh:mm:ss (e.g. 0.01:00:00 for one hour)."));
                    break;
                case SetVariableActivity { SetsReturnValue: false } set when !pipeline.Variables.ContainsKey(set.VariableName):
                    errors.Add(new(path, $"Sets variable '{set.VariableName}', which the pipeline does not declare. Declared: {Declared(pipeline.Variables.Keys)}."));
                    break;
                case WebActivity { Authentication: { } authentication } when authentication["type"]?.ToString().Equals("MSI", StringComparison.OrdinalIgnoreCase) == true
                        && authentication["resource"] is null:
                    errors.Add(new(path, "The Web activity authenticates with MSI but names no 'resource' (the token's audience, e.g. https://management.azure.com/)."));
                    break;
                case AppendVariableActivity append when !pipeline.Variables.TryGetValue(append.VariableName, out var v) || v.Type != VariableType.Array:
                    errors.Add(new(path, pipeline.Variables.ContainsKey(append.VariableName)
                        ? $"Appends to variable '{append.VariableName}', which is not an Array."
                        : $"Appends to variable '{append.VariableName}', which the pipeline does not declare. Declared: {Declared(pipeline.Variables.Keys)}."));
                    break;
            }
            if (activity is SetVariableActivity { SetsReturnValue: false } self && activity.Values.SelectMany(ExpressionReferences.ExpressionsIn)
                    .Any(e => ExpressionReferences.Find(e).Variables.Contains(self.VariableName)))
                errors.Add(new(path, $"Sets '{self.VariableName}' from an expression that reads '{self.VariableName}'; Data Factory forbids that. Set a second variable first."));

            foreach (var expression in activity.Values.SelectMany(ExpressionReferences.ExpressionsIn))
            {
                var references = ExpressionReferences.Find(expression);
                foreach (var parameter in references.Parameters.Where(p => !pipeline.Parameters.ContainsKey(p)).Distinct())
                    errors.Add(new(path, $"The expression '{expression}' uses parameter '{parameter}', which the pipeline does not declare. Declared: {Declared(pipeline.Parameters.Keys)}."));
                foreach (var variable in references.Variables.Where(v => !pipeline.Variables.ContainsKey(v)).Distinct())
                    errors.Add(new(path, $"The expression '{expression}' uses variable '{variable}', which the pipeline does not declare. Declared: {Declared(pipeline.Variables.Keys)}."));
                foreach (var other in references.Activities.Where(a => !names.Contains(a)).Distinct())
                    errors.Add(new(path, $"The expression '{expression}' reads activity '{other}', which does not exist in the pipeline."));
            }
        }
        return errors;
    }

    private static string Declared(IEnumerable<string> names) => names.Any() ? string.Join(", ", names) : "none";

    [GeneratedRegex(@"^(?! )[^.+?/<>*%&:\\]{1,55}(?<! )\z")]
    private static partial Regex ActivityName();

    [GeneratedRegex(@"^(\d+\.)?\d{1,2}:\d{2}:\d{2}\z")]
    private static partial Regex TimeSpanText();
}
