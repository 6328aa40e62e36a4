using ExclusiveOperations.Hosting;
using ExclusiveOperations.Locking;

namespace ExclusiveOperations.Tests;

public sealed class HostJsonTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("hostjson-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string json)
    {
        var path = Path.Combine(_folder, $"host-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void The_polling_interval_is_read_from_the_storage_provider_and_becomes_the_locks_default()
    {
        var path = Write("""{ "extensions": { "durableTask": { "storageProvider": { "maxQueuePollingInterval": "00:00:02" } } } }""");
        Assert.Equal(TimeSpan.FromSeconds(2), HostJson.MaxQueuePollingInterval(path));
        Assert.Equal("00:00:02", HostJson.LockDefaults(path)[$"{LockOptions.Section}:{nameof(LockOptions.MaxQueuePollingInterval)}"]);
    }

    [Fact]
    public void Without_the_setting_it_is_Azures_default_and_without_the_file_there_is_none()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), HostJson.MaxQueuePollingInterval(Write("""{ "version": "2.0" /* comments are allowed */, }""")));
        Assert.Null(HostJson.MaxQueuePollingInterval(Path.Combine(_folder, "none.json")));
        Assert.Empty(HostJson.LockDefaults(Path.Combine(_folder, "none.json")));
    }

    [Theory]
    [InlineData("\"00:00:00\"")]
    [InlineData("\"two seconds\"")]
    [InlineData("2")]
    public void A_value_that_is_not_a_positive_time_span_is_an_error_naming_the_file_and_the_setting(string value)
    {
        var path = Write($$"""{ "extensions": { "durableTask": { "storageProvider": { "maxQueuePollingInterval": {{value}} } } } }""");
        var error = Assert.Throws<InvalidOperationException>(() => HostJson.MaxQueuePollingInterval(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("maxQueuePollingInterval", error.Message);
    }

    [Fact]
    public void A_file_that_is_not_JSON_is_an_error_naming_it()
    {
        var path = Write("{ not json");
        Assert.Contains(path, Assert.Throws<InvalidOperationException>(() => HostJson.MaxQueuePollingInterval(path)).Message);
    }
}
