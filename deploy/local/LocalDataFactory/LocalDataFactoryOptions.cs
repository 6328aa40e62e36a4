namespace LocalDataFactory;

/// <summary>
/// The local Data Factory served by the host's ARM-shaped routes, bound from <c>LocalHost:DataFactory</c>.
/// The bearer token comes from <c>LocalHost:ManagementToken</c> (generated per run by whoever starts the host: LocalTooling.ManagementToken).
/// </summary>
public sealed class LocalDataFactoryOptions
{
    public const string Section = "LocalHost:DataFactory";
    public const string TokenSetting = LocalTooling.ManagementToken.Setting;

    public string SubscriptionId { get; set; } = "00000000-0000-0000-0000-000000000000";

    public string ResourceGroup { get; set; } = "local";

    public string FactoryName { get; set; } = "local-factory";

    /// <summary>This host's name as a Function App in the same resource group (its listkeys route).</summary>
    public string FunctionAppName { get; set; } = "local-function-app";

    /// <summary>This host as a Function App resource: what the pipeline's <c>functionAppResourceId</c> names.</summary>
    public string FunctionAppResourceId => $"/subscriptions/{SubscriptionId}/resourceGroups/{ResourceGroup}/providers/Microsoft.Web/sites/{FunctionAppName}";

    /// <summary>The factory's pipelines, one ADF git-layout JSON file per pipeline (relative: to the working directory).</summary>
    public string PipelineFolder { get; set; } = Path.Combine("pipelines", "generated", "pipeline");

    /// <summary>
    /// Default values for every pipeline of the factory that declares the parameter (as text, typed by the
    /// declaration). The deployed factory gets the same from the Pulumi program (e.g. <c>functionBaseUrl</c>);
    /// values given to createRun win.
    /// </summary>
    public Dictionary<string, string> ParameterDefaults { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
