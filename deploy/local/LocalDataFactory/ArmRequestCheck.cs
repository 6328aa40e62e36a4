using System.Security.Cryptography;
using System.Text;

namespace LocalDataFactory;

/// <summary>
/// What Azure Resource Manager checks before an operation, in its order: the bearer token (401), the api-version
/// (400), the resource (404), each answered with ARM's error body. The one token accepted is
/// <c>LocalHost:ManagementToken</c>, generated per run by whoever starts the host.
/// </summary>
public sealed class ArmRequestCheck(string? token, LocalDataFactoryOptions options)
{
    /// <param name="apiVersion">The one api-version the route serves (null: any, as long as one is given).</param>
    /// <param name="resourceKey">The route value that names the resource, and the only name the local host has.</param>
    public IResult? Refusal(HttpContext http, string? apiVersion, string resourceKey, string resourceName, string resourceType)
    {
        var authorization = http.Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(token) || !authorization.StartsWith("Bearer ", StringComparison.Ordinal) ||
            !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(authorization["Bearer ".Length..]), Encoding.UTF8.GetBytes(token)))
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return ArmError.Result(401, string.IsNullOrEmpty(authorization) ? "AuthenticationFailed" : "InvalidAuthenticationToken",
                string.IsNullOrEmpty(authorization)
                    ? "Authentication failed. The 'Authorization' header is missing."
                    : $"The access token is invalid (the local host accepts only its {LocalDataFactoryOptions.TokenSetting}).");
        }
        var given = http.Request.Query["api-version"].ToString();
        if (string.IsNullOrEmpty(given))
            return ArmError.Result(400, "MissingApiVersionParameter", $"The api-version query parameter (?api-version=) is required for all requests{(apiVersion is null ? "" : $"; supported: {apiVersion}")}.");
        if (apiVersion is not null && given != apiVersion)
            return ArmError.Result(400, "InvalidApiVersionParameter", $"The api-version '{given}' is invalid. The supported version is '{apiVersion}'.");
        var route = http.Request.RouteValues;
        bool Is(string key, string expected) => string.Equals(route[key]?.ToString(), expected, StringComparison.OrdinalIgnoreCase);
        if (!Is("subscriptionId", options.SubscriptionId) || !Is("resourceGroupName", options.ResourceGroup) || !Is(resourceKey, resourceName))
            return ArmError.Result(404, "ResourceNotFound",
                $"The Resource '{resourceType}/{route[resourceKey]}' under resource group '{route["resourceGroupName"]}' was not found. " +
                $"The local one is /subscriptions/{options.SubscriptionId}/resourceGroups/{options.ResourceGroup}/providers/{resourceType}/{resourceName}.");
        return null;
    }
}
