using Azure.Identity;
using ExclusiveOperations.Hosting;
using Microsoft.Extensions.Configuration;

namespace ExclusiveOperations.Tests;

/// <summary>Every form of the host storage setting Azure documents, and a clear error for none or a wrong one.</summary>
public sealed class HostStorageConnectionTests
{
    /// <summary>App settings as Azure names them (the environment provider maps "__" to ":").</summary>
    private static HostStorageConnection From(params (string Name, string Value)[] settings) =>
        HostStorageConnection.From(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Name.Replace("__", ":", StringComparison.Ordinal), (string?)s.Value)))
            .Build());

    private static string Error(params (string Name, string Value)[] settings) =>
        Assert.Throws<InvalidOperationException>(() => From(settings)).Message;

    [Fact]
    public void A_connection_string_is_used_as_it_is()
    {
        var connection = From(("AzureWebJobsStorage", "UseDevelopmentStorage=true"));
        Assert.Equal("UseDevelopmentStorage=true", connection.ConnectionString);
        Assert.Null(connection.Credential);
        Assert.Equal("devstoreaccount1", connection.CreateBlobServiceClient().AccountName);
    }

    [Fact]
    public void A_blob_service_uri_without_credential_uses_the_default_chain()
    {
        var connection = From(("AzureWebJobsStorage__blobServiceUri", "https://stexops.blob.core.windows.net"));
        Assert.Equal(new Uri("https://stexops.blob.core.windows.net"), connection.BlobServiceUri);
        Assert.IsType<DefaultAzureCredential>(connection.Credential);
        Assert.Equal("stexops", connection.CreateBlobServiceClient().AccountName);
    }

    [Fact]
    public void An_account_name_with_managed_identity_uses_the_system_assigned_identity()
    {
        var connection = From(("AzureWebJobsStorage__accountName", "stexops"), ("AzureWebJobsStorage__credential", "managedidentity"));
        Assert.Equal(new Uri("https://stexops.blob.core.windows.net"), connection.BlobServiceUri);
        Assert.IsType<ManagedIdentityCredential>(connection.Credential);
        Assert.Null(connection.ManagedIdentityClientId);
    }

    [Fact]
    public void A_client_id_selects_the_user_assigned_identity()
    {
        var connection = From(("AzureWebJobsStorage__blobServiceUri", "https://stexops.blob.core.windows.net"),
            ("AzureWebJobsStorage__credential", "managedidentity"), ("AzureWebJobsStorage__clientId", "00000000-0000-0000-0000-000000000001"));
        Assert.IsType<ManagedIdentityCredential>(connection.Credential);
        Assert.Equal("00000000-0000-0000-0000-000000000001", connection.ManagedIdentityClientId);
    }

    [Fact]
    public void The_settings_the_deployment_writes_are_read()
    {
        // What deploy/azure's StackEnvironment.AppSettings sets: the three service URIs and the managed identity.
        var connection = From(("AzureWebJobsStorage__blobServiceUri", "https://stexopsdev1234abcd.blob.core.windows.net"),
            ("AzureWebJobsStorage__queueServiceUri", "https://stexopsdev1234abcd.queue.core.windows.net"),
            ("AzureWebJobsStorage__tableServiceUri", "https://stexopsdev1234abcd.table.core.windows.net"),
            ("AzureWebJobsStorage__credential", "managedidentity"));
        Assert.Equal("stexopsdev1234abcd", connection.CreateBlobServiceClient().AccountName);
        Assert.IsType<ManagedIdentityCredential>(connection.Credential);
    }

    [Fact]
    public void No_setting_names_every_form()
    {
        var message = Error();
        Assert.Contains("'AzureWebJobsStorage'", message);
        Assert.Contains("AzureWebJobsStorage__blobServiceUri", message);
        Assert.Contains("AzureWebJobsStorage__accountName", message);
        Assert.Contains("AzureWebJobsStorage__credential=managedidentity", message);
    }

    [Theory]
    [InlineData("AzureWebJobsStorage__blobServiceUri", "stexops.blob.core.windows.net", "must be the account's https blob endpoint")]
    [InlineData("AzureWebJobsStorage__blobServiceUri", "http://stexops.blob.core.windows.net", "must be the account's https blob endpoint")]
    [InlineData("AzureWebJobsStorage__accountName", "StExOps", "3-24 lowercase letters and digits")]
    public void A_malformed_endpoint_is_named(string name, string value, string expected)
    {
        var message = Error((name, value));
        Assert.Contains($"'{name}' is '{value}'", message);
        Assert.Contains(expected, message);
    }

    [Fact]
    public void A_wrong_credential_or_a_client_id_without_it_is_refused()
    {
        Assert.Contains("the only value is 'managedidentity'",
            Error(("AzureWebJobsStorage__accountName", "stexops"), ("AzureWebJobsStorage__credential", "clientsecret")));
        Assert.Contains("set 'AzureWebJobsStorage__credential=managedidentity'",
            Error(("AzureWebJobsStorage__accountName", "stexops"), ("AzureWebJobsStorage__clientId", "00000000-0000-0000-0000-000000000001")));
    }
}
