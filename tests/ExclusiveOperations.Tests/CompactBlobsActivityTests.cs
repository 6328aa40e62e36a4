using Azure.Storage.Blobs;
using ExclusiveOperations.Operations;
using Microsoft.DurableTask;

namespace ExclusiveOperations.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class CompactBlobsActivityTests(AzuriteFixture azurite)
{
    private readonly BlobContainerClient _container = azurite.NewContainer("compact");

    private CompactBlobsActivity Activity => new(azurite.Blobs);

    private CompactRequest Request(string runId = "run-1") => new(_container.Name, "in/", "in/compacted", runId);

    private async Task PutAsync(string name, string content) =>
        await _container.GetBlobClient(name).UploadAsync(BinaryData.FromString(content), overwrite: true);

    private async Task<string> ReadAsync(string name) =>
        (await _container.GetBlobClient(name).DownloadContentAsync()).Value.Content.ToString();

    private async Task<List<string>> NamesAsync()
    {
        var names = new List<string>();
        await foreach (var item in _container.GetBlobsAsync())
            names.Add(item.Name);
        return names;
    }

    [Fact]
    public async Task Merges_the_parts_in_name_order_and_deletes_them()
    {
        await PutAsync("in/002", "b;");
        await PutAsync("in/001", "a;");
        await PutAsync("in/010", "c;");
        await PutAsync("other/001", "untouched");

        var result = await Activity.RunAsync(new TestActivityContext(), Request());

        Assert.Equal(3, result.MergedParts);
        Assert.Equal("a;b;c;", await ReadAsync("in/compacted"));
        Assert.Equal(6, result.Bytes);
        Assert.Equal(["in/compacted", "other/001"], await NamesAsync());
    }

    [Fact]
    public async Task Keeps_an_earlier_compaction_first_and_is_a_no_op_when_run_again()
    {
        await PutAsync("in/compacted", "old;");
        await PutAsync("in/1", "new;");

        await Activity.RunAsync(new TestActivityContext(), Request("run-1"));
        var again = await Activity.RunAsync(new TestActivityContext(), Request("run-2"));

        Assert.Equal(0, again.MergedParts);
        Assert.Equal("old;new;", await ReadAsync("in/compacted"));
        Assert.Equal(["in/compacted"], await NamesAsync());
    }

    [Fact]
    public async Task A_retry_after_a_crash_between_merge_and_deletes_merges_nothing_twice()
    {
        await PutAsync("in/1", "a;");
        await PutAsync("in/2", "b;");
        // The first try wrote its journal and the merged target, then died before deleting the parts.
        await PutAsync(CompactBlobsActivity.JournalFolder + "run-1.json",
            """{"Target":"in/compacted","Parts":["in/1","in/2"],"TargetETagBefore":null}""");
        await PutAsync("in/compacted", "a;b;");

        var result = await Activity.RunAsync(new TestActivityContext(), Request("run-1"));

        Assert.Equal(2, result.MergedParts);
        Assert.Equal("a;b;", await ReadAsync("in/compacted"));
        Assert.Equal(["in/compacted"], await NamesAsync());
    }

    [Fact]
    public async Task A_retry_after_a_crash_before_the_merge_merges_exactly_the_journaled_parts()
    {
        await PutAsync("in/1", "a;");
        await PutAsync(CompactBlobsActivity.JournalFolder + "run-1.json",
            """{"Target":"in/compacted","Parts":["in/1"],"TargetETagBefore":null}""");
        await PutAsync("in/2", "late;"); // arrived after the journal: left for the next compaction

        var result = await Activity.RunAsync(new TestActivityContext(), Request("run-1"));

        Assert.Equal(1, result.MergedParts);
        Assert.Equal("a;", await ReadAsync("in/compacted"));
        Assert.Equal(["in/2", "in/compacted"], await NamesAsync());
    }

    [Fact]
    public async Task A_missing_container_fails_with_its_name()
    {
        var request = new CompactRequest("no-such-container-x", "in/", "in/compacted", "run-1");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Activity.RunAsync(new TestActivityContext(), request));
        Assert.Contains("no-such-container-x", error.Message);
    }

    private sealed class TestActivityContext : TaskActivityContext
    {
        public override TaskName Name => new("CompactBlobs");
        public override string InstanceId => "test";
    }
}
