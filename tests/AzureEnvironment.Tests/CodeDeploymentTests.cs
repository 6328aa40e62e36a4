using System.Diagnostics;

namespace AzureEnvironment.Tests;

/// <summary>
/// The code deployment script of <c>pulumi up</c>, run as the local Command runs it (<c>/bin/sh -c</c>) with a fake
/// <c>az</c> and <c>curl</c> on PATH that answer as Azure would: refused with 403 while a new role assignment is not
/// effective yet, then accepted.
/// </summary>
[Trait("Needs", "Processes")]
public sealed class CodeDeploymentTests : IDisposable
{
    private const string Subscription = "0b1f6471-1bf0-4dda-aec3-111122223333";
    private static readonly int[] NoWaits = [0, 0, 0];

    private readonly string _folder = Directory.CreateTempSubdirectory("code-deployment-").FullName;
    private readonly string _bin;
    private readonly string _package;

    public CodeDeploymentTests()
    {
        _bin = Directory.CreateDirectory(Path.Combine(_folder, "bin")).FullName;
        _package = TestFiles.Zip(Path.Combine(_folder, "package dir"), DateTimeOffset.UnixEpoch.AddYears(50), ("a.dll", "a"));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private StackEnvironment Environment(string plan) =>
        StackEnvironment.Create(StackConfiguration.Parse("dev", new Dictionary<string, string> { ["packagePath"] = _package, ["plan"] = plan }, _folder),
            TestFiles.GeneratedPipelines);

    /// <summary>
    /// A fake <paramref name="name"/> that logs its arguments (one call a line) and answers the Nth call with line N of
    /// <paramref name="answers"/> (the last line for every later call): <c>EXIT|STDOUT</c>.
    /// </summary>
    private void Fake(string name, params string[] answers)
    {
        File.WriteAllLines(Path.Combine(_folder, $"{name}.answers"), answers);
        var path = Path.Combine(_bin, name);
        File.WriteAllText(path, $$"""
            #!/bin/sh
            log='{{_folder}}/{{name}}.log'
            echo "$*" >> "$log"
            n=$(wc -l < "$log")
            answer=$(sed -n "${n}p" '{{_folder}}/{{name}}.answers')
            [ -z "$answer" ] && answer=$(tail -n 1 '{{_folder}}/{{name}}.answers')
            printf '%s\n' "${answer#*|}"
            exit "${answer%%|*}"

            """.Replace("\r\n", "\n", StringComparison.Ordinal));
        MakeExecutable(path);
    }

    /// <summary>
    /// A fake curl for the Blob service: writes the body of its answer to the <c>-o</c> file and prints the status, as
    /// <c>curl -o FILE -w '%{http_code}'</c> does. Answers are <c>STATUS|BODY</c>, by call as in <see cref="Fake"/>.
    /// </summary>
    private void FakeCurl(params string[] answers)
    {
        File.WriteAllLines(Path.Combine(_folder, "curl.answers"), answers);
        var path = Path.Combine(_bin, "curl");
        File.WriteAllText(path, $$"""
            #!/bin/sh
            log='{{_folder}}/curl.log'
            headers=$(cat)
            echo "$headers | $*" >> "$log"
            n=$(wc -l < "$log")
            answer=$(sed -n "${n}p" '{{_folder}}/curl.answers')
            [ -z "$answer" ] && answer=$(tail -n 1 '{{_folder}}/curl.answers')
            out=
            while [ $# -gt 0 ]; do
              [ "$1" = -o ] && out=$2
              shift
            done
            printf '%s' "${answer#*|}" > "$out"
            printf '%s' "${answer%%|*}"

            """.Replace("\r\n", "\n", StringComparison.Ordinal));
        MakeExecutable(path);
    }

    private static void MakeExecutable(string path)
    {
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException("The code deployment runs under /bin/sh.");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private string[] Calls(string name)
    {
        var log = Path.Combine(_folder, $"{name}.log");
        return File.Exists(log) ? File.ReadAllLines(log) : [];
    }

    private async Task<(int ExitCode, string Output)> RunAsync(string script, string? storageToken = "the-token")
    {
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        start.Environment["PATH"] = $"{_bin}:{System.Environment.GetEnvironmentVariable("PATH")}";
        if (storageToken is null)
            start.Environment.Remove(CodeDeployment.StorageTokenVariable);
        else
            start.Environment[CodeDeployment.StorageTokenVariable] = storageToken;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        return (process.ExitCode, await stdout + await stderr);
    }

    private const string Forbidden = "1|ERROR: Operation returned an invalid status 'Forbidden' (403): AuthorizationFailed";

    [Fact]
    public async Task Flex_deploys_with_one_deploy_in_the_stacks_subscription_after_403s_of_new_roles()
    {
        var environment = Environment("flex");
        Fake("az", Forbidden, Forbidden, "0|{\"status\": 4}");
        var (exitCode, output) = await RunAsync(CodeDeployment.Scripts(environment, Subscription, NoWaits).AfterApp);

        Assert.True(exitCode == 0, output);
        var calls = Calls("az");
        Assert.Equal(3, calls.Length);
        Assert.All(calls, call => Assert.StartsWith($"functionapp deployment source config-zip --subscription {Subscription} --resource-group {environment.Names.ResourceGroup} --name {environment.Names.FunctionApp} --src {_package}", call));
        Assert.Contains("One Deploy of the package: refused (403, attempt 1)", output);
        Assert.Contains("One Deploy of the package: refused (403, attempt 2)", output);
        Assert.Contains("One Deploy of the package: done (attempt 3)", output);
        Assert.Empty(Calls("curl"));
    }

    [Fact]
    public async Task A_403_that_lasts_ends_after_the_last_wait_naming_the_role_not_yet_effective()
    {
        var environment = Environment("flex");
        Fake("az", Forbidden);
        var (exitCode, output) = await RunAsync(CodeDeployment.Scripts(environment, Subscription, NoWaits).AfterApp);

        Assert.NotEqual(0, exitCode);
        Assert.Equal(NoWaits.Length + 1, Calls("az").Length); // one attempt, then one after each wait
        Assert.Contains("error: One Deploy of the package was refused (403) 4 times", output);
        Assert.Contains($"Storage Blob Data Owner of the Function App's identity on storage account {environment.StorageAccount.Name} (role assignment app-blob-owner)", output);
    }

    [Fact]
    public async Task Another_failure_ends_at_once()
    {
        Fake("az", "1|ERROR: The Resource 'Microsoft.Web/sites/func-x' under resource group 'rg' was not found. (Code: ResourceNotFound)");
        var (exitCode, output) = await RunAsync(CodeDeployment.Scripts(Environment("flex"), Subscription, NoWaits).AfterApp);

        Assert.NotEqual(0, exitCode);
        Assert.Single(Calls("az"));
        Assert.Contains("Not an authorization refusal, so not retried", output);
        Assert.Contains("ResourceNotFound", output);
    }

    [Fact]
    public async Task Premium_uploads_the_blob_with_the_providers_token_before_the_app_and_deletes_the_old_packages_after_it()
    {
        var environment = Environment("premium");
        var container = $"{environment.StorageAccount.BlobEndpoint}/app-package";
        var scripts = CodeDeployment.Scripts(environment, Subscription, NoWaits);
        const string refused = "403|<Error><Code>AuthorizationPermissionMismatch</Code></Error>";
        FakeCurl(refused, refused, "201|");
        Fake("az", "0|");
        var (exitCode, output) = await RunAsync(scripts.BeforeApp!);

        Assert.True(exitCode == 0, output);
        var upload = Calls("curl");
        Assert.Equal(3, upload.Length);
        // The token reaches curl on stdin (-H @-), never in its arguments.
        Assert.All(upload, call => Assert.StartsWith("Authorization: Bearer the-token | ", call));
        Assert.All(upload, call => Assert.Equal(1, call.Split("the-token").Length - 1));
        Assert.All(upload, call => Assert.EndsWith($"--data-binary @{_package} {container}/{environment.Package.BlobName}", call));
        Assert.All(upload, call => Assert.Contains("If-None-Match: *", call));
        Assert.Contains("Upload of the package blob: refused (403, attempt 2)", output);
        Assert.Contains("deployer-package-upload", output);
        Assert.Empty(Calls("az")); // no restart: the app's changed WEBSITE_RUN_FROM_PACKAGE restarts it

        var list = $"<EnumerationResults><Blobs><Blob><Name>functionapp-0000000000000000.zip</Name></Blob><Blob><Name>{environment.Package.BlobName}</Name></Blob><Blob><Name>functionapp-1111111111111111.zip</Name></Blob></Blobs></EnumerationResults>";
        File.Delete(Path.Combine(_folder, "curl.log"));
        FakeCurl($"200|{list}", "202|", "202|");
        (exitCode, output) = await RunAsync(scripts.AfterApp);

        Assert.True(exitCode == 0, output);
        var cleanup = Calls("curl");
        Assert.EndsWith($"{container}?restype=container&comp=list&prefix=functionapp-", cleanup[0]);
        Assert.Equal([$"-X DELETE {container}/functionapp-0000000000000000.zip", $"-X DELETE {container}/functionapp-1111111111111111.zip"],
            cleanup[1..].Select(c => c[c.IndexOf("-X DELETE", StringComparison.Ordinal)..]));
    }

    [Fact]
    public async Task Premium_keeps_a_package_blob_that_is_there()
    {
        FakeCurl("409|<Error><Code>BlobAlreadyExists</Code></Error>");
        var (exitCode, output) = await RunAsync(CodeDeployment.Scripts(Environment("premium"), Subscription, NoWaits).BeforeApp!);

        Assert.True(exitCode == 0, output);
        Assert.Single(Calls("curl"));
        Assert.Contains("is there already (same content hash)", output);
    }

    [Fact]
    public async Task Premium_without_the_token_fails_clearly()
    {
        FakeCurl("201|");
        var (exitCode, output) = await RunAsync(CodeDeployment.Scripts(Environment("premium"), Subscription, NoWaits).BeforeApp!, storageToken: null);

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"{CodeDeployment.StorageTokenVariable} is not set", output);
        Assert.Empty(Calls("curl"));
    }

    [Fact]
    public void The_waits_outlast_the_10_minutes_a_role_assignment_takes_and_stay_bounded()
    {
        var total = TimeSpan.FromSeconds(CodeDeployment.RetryDelaysSeconds.Sum());
        Assert.InRange(total, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(12));
        Assert.Equal(CodeDeployment.RetryDelaysSeconds.Order(), CodeDeployment.RetryDelaysSeconds); // backoff: never shorter
        Assert.Contains("sleep", CodeDeployment.Scripts(Environment("flex"), Subscription).AfterApp);
    }

    [Fact]
    public void The_subscription_is_a_guid()
    {
        var environment = Environment("flex");
        Assert.Throws<ArgumentException>(() => CodeDeployment.Scripts(environment, "my subscription"));
        Assert.Contains($"--subscription '{Subscription}'", CodeDeployment.Scripts(environment, Subscription).AfterApp);
    }
}
