using System.Globalization;
using System.Text;

namespace AzureEnvironment;

/// <summary>
/// How <c>pulumi up</c> puts the Function App package on the app, with Entra ID only: the storage account refuses
/// shared keys, and the provider's Blob resource writes with the account key (pulumi/pulumi-azure-native#3719,
/// #2015), so the Pulumi program runs this script (a local Command resource, <c>/bin/sh -c</c>, re-run when the
/// package's content hash changes) in the stack's subscription (<c>--subscription</c>, never the CLI's default one).
/// <para>
/// Flex Consumption: One Deploy (<c>az functionapp deployment source config-zip</c>): the CLI posts the zip with its
/// management-plane (ARM) token, which it got at sign-in and which stays valid for the whole <c>pulumi up</c>; the app
/// writes it to its deployment container with its own identity.
/// </para>
/// <para>
/// Elastic Premium: the app runs from a package blob URL (<c>WEBSITE_RUN_FROM_PACKAGE</c>), which an app without an
/// Azure Files content share must (see docs/azure-behaviour.md, "pulumi up"). The blob is written with a storage
/// token that the Pulumi program gets from the azure-native provider (<see cref="StorageTokenVariable"/>), not with
/// the Azure CLI: a CLI signed in with a federated token cannot get a new data-plane token once that token has expired,
/// minutes after <c>azure/login</c> (Azure/azure-cli#28708). The upload runs BEFORE the app's settings change, so the
/// app never points at a blob that is not there yet; the blob is named by the content hash, so a new package changes
/// the setting, and changing it restarts the app. After the app, the other package blobs are deleted.
/// </para>
/// Every step that Azure refuses with 403 is retried with backoff (<see cref="RetryDelaysSeconds"/>): new role
/// assignments take up to 10 minutes to apply; the final error names the role that is probably not effective yet.
/// </summary>
public static class CodeDeployment
{
    /// <summary>The environment variable with the storage token of the Elastic Premium upload (secret, set by the program).</summary>
    public const string StorageTokenVariable = "EXOPS_STORAGE_TOKEN";

    /// <summary>The audience of the storage token (the provider's <c>getClientToken</c> endpoint).</summary>
    public const string StorageAudience = "https://storage.azure.com/";

    /// <summary>The Blob service REST version of the upload, list and delete requests.</summary>
    public const string BlobApiVersion = "2023-11-03";

    /// <summary>
    /// The waits between attempts of a step Azure refused with 403: 9 attempts over about 11 minutes, a little past
    /// the 10 minutes Azure documents for a role assignment to take effect.
    /// </summary>
    public static IReadOnlyList<int> RetryDelaysSeconds { get; } = [15, 30, 60, 90, 120, 120, 120, 120];

    /// <summary>The scripts for the stack's subscription <paramref name="subscriptionId"/> (the program passes GetClientConfig's).</summary>
    public static CodeDeploymentScripts Scripts(StackEnvironment environment, string subscriptionId) => Scripts(environment, subscriptionId, RetryDelaysSeconds);

    /// <summary>The scripts, with other waits between attempts (tests run them with no waits).</summary>
    public static CodeDeploymentScripts Scripts(StackEnvironment environment, string subscriptionId, IReadOnlyList<int> retryDelaysSeconds)
    {
        if (!Guid.TryParse(subscriptionId, out _))
            throw new ArgumentException($"'{subscriptionId}' is not a subscription id (a GUID).", nameof(subscriptionId));
        if (retryDelaysSeconds.Any(d => d < 0))
            throw new ArgumentOutOfRangeException(nameof(retryDelaysSeconds), "A wait is not negative.");
        var names = environment.Names;
        var app = $"--subscription {Quote(subscriptionId)} --resource-group {Quote(names.ResourceGroup)} --name {Quote(names.FunctionApp)}";
        var script = new StringBuilder();
        script.Append("set -u\n");
        script.Append(RetryFunction(retryDelaysSeconds));
        if (environment.FunctionApp.Flex is not null)
        {
            var role = RoleHint(environment, "app-blob-owner");
            script.Append($"exops_retry {Quote("One Deploy of the package")} {Quote(role)} az functionapp deployment source config-zip {app} --src {Quote(environment.Package.Path)}\n");
            return new CodeDeploymentScripts(BeforeApp: null, AfterApp: script.ToString());
        }

        var package = environment.Package;
        var container = $"{environment.StorageAccount.BlobEndpoint}/{names.DeploymentContainer}";
        script.Append($"exops_container={Quote(container)}\n");
        script.Append($"exops_blob={Quote(package.BlobName)}\n");
        script.Append($"exops_file={Quote(package.Path)}\n");
        script.Append($"if [ -z \"${{{StorageTokenVariable}:-}}\" ]; then echo 'error: {StorageTokenVariable} is not set: the Pulumi program passes the storage token of the package upload.' >&2; exit 1; fi\n");
        script.Append(BlobFunctions);
        var common = script.ToString();

        var upload = new StringBuilder(common);
        upload.Append($"exops_retry {Quote("Upload of the package blob")} {Quote(RoleHint(environment, "deployer-package-upload"))} exops_upload\n");
        upload.Append("exops_status=$?\n");
        upload.Append("if [ \"$exops_status\" -eq 3 ]; then echo \"The package blob $exops_blob is there already (same content hash).\" >&2; exit 0; fi\n");
        upload.Append("exit \"$exops_status\"\n");
        return new CodeDeploymentScripts(BeforeApp: upload.ToString(), AfterApp: common + "exops_delete_other_packages\n");
    }

    /// <summary>The role of <paramref name="key"/>, in the words of the final error of a refused step.</summary>
    private static string RoleHint(StackEnvironment environment, string key)
    {
        var role = environment.RoleAssignments.Single(r => r.Key == key);
        var principal = role.Principal switch
        {
            Principal.FunctionApp => "the Function App's identity",
            Principal.DataFactory => "the Data Factory's identity",
            _ => "the deployer (who runs pulumi up)",
        };
        var scope = role.Scope switch
        {
            RoleScope.StorageAccount => $"storage account {environment.StorageAccount.Name}",
            RoleScope.DeploymentContainer => $"container {environment.Names.DeploymentContainer} of storage account {environment.StorageAccount.Name}",
            _ => $"Function App {environment.Names.FunctionApp}",
        };
        return $"{role.RoleName} of {principal} on {scope} (role assignment {role.Key})";
    }

    /// <summary>
    /// <c>exops_retry WHAT ROLE COMMAND...</c>: runs COMMAND; when its output reads as a refusal (403, Forbidden,
    /// AuthorizationFailed, AuthorizationPermissionMismatch), waits and runs it again, at most once per wait; any
    /// other failure ends at once. Exit 3 of COMMAND (nothing to do) is passed on.
    /// </summary>
    private static string RetryFunction(IReadOnlyList<int> delays)
    {
        var total = delays.Sum();
        var minutes = total >= 60 ? $"{Math.Round(total / 60.0, 1).ToString(CultureInfo.InvariantCulture)} minutes" : $"{total} s";
        return $$"""
            exops_retry() {
              exops_what=$1; exops_role=$2; shift 2
              exops_attempt=1
              for exops_delay in {{string.Join(' ', delays)}} last; do
                exops_out=$("$@" 2>&1)
                exops_code=$?
                if [ "$exops_code" -eq 0 ] || [ "$exops_code" -eq 3 ]; then
                  [ -n "$exops_out" ] && printf '%s\n' "$exops_out" >&2
                  echo "$exops_what: done (attempt $exops_attempt)." >&2
                  return "$exops_code"
                fi
                printf '%s\n' "$exops_out" >&2
                if ! printf '%s\n' "$exops_out" | grep -Eq '(^|[^0-9A-Za-z-])403([^0-9A-Za-z-]|$)|Forbidden|AuthorizationFailed|AuthorizationPermissionMismatch|does not have authorization'; then
                  echo "error: $exops_what failed (exit $exops_code). Not an authorization refusal, so not retried." >&2
                  return 1
                fi
                if [ "$exops_delay" = last ]; then
                  echo "error: $exops_what was refused (403) $exops_attempt times over {{minutes}}. Probably not effective yet: $exops_role. Azure applies a new role assignment within about 10 minutes; check that it exists, then run pulumi up again." >&2
                  return 1
                fi
                echo "$exops_what: refused (403, attempt $exops_attempt); a new role assignment takes up to 10 minutes to apply ($exops_role). Retrying in $exops_delay s." >&2
                sleep "$exops_delay"
                exops_attempt=$((exops_attempt + 1))
              done
            }

            """.Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    /// <summary>
    /// The Blob REST calls of the Elastic Premium upload, with the bearer token from the environment (to curl on
    /// stdin, <c>-H @-</c>, so it is in no process's arguments):
    /// <c>exops_upload</c> (Put Blob with <c>If-None-Match: *</c>: exit 3 when the blob exists) and
    /// <c>exops_delete_other_packages</c> (every other <c>functionapp-*.zip</c> of the container; a failure is a warning).
    /// </summary>
    private static string BlobFunctions => $$"""
        exops_request() {
          exops_body=$(mktemp)
          exops_http=$(printf 'Authorization: Bearer %s\n' "${{{StorageTokenVariable}}}" | curl -sS -o "$exops_body" -w '%{http_code}' -H @- -H 'x-ms-version: {{BlobApiVersion}}' "$@")
          exops_rc=$?
          exops_text=$(cat "$exops_body"); rm -f "$exops_body"
          if [ "$exops_rc" -ne 0 ]; then echo "curl failed (exit $exops_rc)"; return 1; fi
          return 0
        }
        exops_upload() {
          exops_request -X PUT -H 'x-ms-blob-type: BlockBlob' -H 'If-None-Match: *' -H 'Content-Type: application/zip' --data-binary "@$exops_file" "$exops_container/$exops_blob" || return 1
          case $exops_http in
            201) echo "Uploaded $exops_file to $exops_container/$exops_blob."; return 0 ;;
            409) return 3 ;;
            *) echo "HTTP $exops_http from the Blob service: $exops_text"; return 1 ;;
          esac
        }
        exops_delete_other_packages() {
          if ! exops_request "$exops_container?restype=container&comp=list&prefix=functionapp-" || [ "$exops_http" != 200 ]; then
            echo "warning: could not list the old package blobs (HTTP $exops_http); they stay in $exops_container." >&2
            return 0
          fi
          for exops_old in $(printf '%s' "$exops_text" | grep -o '<Name>[^<]*</Name>' | sed -e 's/<Name>//' -e 's/<\/Name>//'); do
            [ "$exops_old" = "$exops_blob" ] && continue
            if exops_request -X DELETE "$exops_container/$exops_old" && [ "$exops_http" = 202 ]; then
              echo "Deleted the old package blob $exops_old." >&2
            else
              echo "warning: could not delete the old package blob $exops_old (HTTP $exops_http)." >&2
            fi
          done
        }

        """.Replace("\r\n", "\n", StringComparison.Ordinal);

    /// <summary>A single-quoted shell word (the package path may hold spaces or quotes).</summary>
    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}

/// <summary>
/// The code deployment's scripts: <paramref name="BeforeApp"/> runs before the Function App is created or changed
/// (Elastic Premium: the package upload; none on Flex), <paramref name="AfterApp"/> after it (Flex: One Deploy;
/// Elastic Premium: deleting the package blobs the app no longer runs).
/// </summary>
public sealed record CodeDeploymentScripts(string? BeforeApp, string AfterApp);
