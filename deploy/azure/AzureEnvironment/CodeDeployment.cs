namespace ExclusiveOperations.Azure;

/// <summary>
/// How <c>pulumi up</c> puts the Function App package on the app, with Entra ID only: the storage account refuses
/// shared keys, and the provider's Blob resource writes with the account key (pulumi/pulumi-azure-native#3719,
/// #2015), so the Pulumi program runs this command (a local Command resource, re-run exactly when the package's
/// content hash changes) with the Azure CLI signed in as the deployer.
/// </summary>
public static class CodeDeployment
{
    /// <summary>
    /// Flex Consumption: One Deploy (<c>config-zip</c> posts the zip to the app's <c>/api/publish</c> with an Entra
    /// token; the app stores it in its deployment container with its own identity). Elastic Premium: upload the
    /// run-from-package blob that <c>WEBSITE_RUN_FROM_PACKAGE</c> names, then restart the app.
    /// </summary>
    public static string Command(StackEnvironment environment)
    {
        var names = environment.Names;
        var app = $"--resource-group {Quote(names.ResourceGroup)} --name {Quote(names.FunctionApp)}";
        return environment.FunctionApp.Flex is not null
            ? $"az functionapp deployment source config-zip {app} --src {Quote(environment.Package.Path)}"
            : $"az storage blob upload --auth-mode login --blob-url {Quote(environment.Package.BlobUrl)} --file {Quote(environment.Package.Path)} --overwrite" +
              $" && az functionapp restart {app}";
    }

    /// <summary>A single-quoted shell word (the package path may hold spaces or quotes).</summary>
    private static string Quote(string value) => "'" + value.Replace("'", "'\\''") + "'";
}
