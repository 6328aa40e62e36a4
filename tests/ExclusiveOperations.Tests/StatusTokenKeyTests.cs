using ExclusiveOperations.Status;

namespace ExclusiveOperations.Tests;

/// <summary>The app's status token key in its own storage: one key for every host, made once.</summary>
[Trait("Needs", "Processes")]
[Collection(AzuriteCollection.Name)]
public sealed class StatusTokenKeyTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Hosts_that_start_at_once_on_one_storage_account_make_one_key_and_issue_the_same_token()
    {
        var container = azurite.Blobs.GetBlobContainerClient($"keys-{Guid.NewGuid():N}");

        // Ten hosts (ten key objects) racing for a key that does not exist yet, in a container that does not either.
        var tokens = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() => new StatusTokenKey(container).ForAsync("instance-1"))));

        Assert.Single(tokens.Distinct());
        Assert.Equal(tokens[0], await new StatusTokenKey(container).ForAsync("instance-1"));
        Assert.NotEqual(tokens[0], await new StatusTokenKey(container).ForAsync("instance-2"));
        Assert.Equal(32, (await container.GetBlobClient(StatusTokenKey.BlobName).DownloadContentAsync()).Value.Content.ToArray().Length);
    }

    [Fact]
    public async Task Another_storage_account_has_another_key_and_deleting_the_key_revokes_the_tokens()
    {
        var container = azurite.NewContainer("keys");
        var token = await new StatusTokenKey(container).ForAsync("instance-1");

        Assert.NotEqual(token, await new StatusTokenKey(azurite.NewContainer("keys")).ForAsync("instance-1"));
        await container.DeleteBlobAsync(StatusTokenKey.BlobName);
        Assert.NotEqual(token, await new StatusTokenKey(container).ForAsync("instance-1"));
    }
}
