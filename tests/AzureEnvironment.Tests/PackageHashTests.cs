using ExclusiveOperations.Azure;

namespace AzureEnvironment.Tests;

public sealed class PackageHashTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("package-hash-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void The_same_content_zipped_at_another_time_and_order_has_the_same_hash()
    {
        var first = Repository.Zip(_folder, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), ("a.dll", "A"), ("sub/b.json", "{}"));
        var second = Repository.Zip(_folder, new DateTimeOffset(2026, 11, 28, 9, 30, 0, TimeSpan.Zero), ("sub/b.json", "{}"), ("a.dll", "A"));
        Assert.NotEqual(File.ReadAllBytes(first), File.ReadAllBytes(second));
        Assert.Equal(PackageHash.Of(first), PackageHash.Of(second));
    }

    [Fact]
    public void Changed_bytes_or_a_renamed_entry_change_the_hash()
    {
        var time = DateTimeOffset.UnixEpoch.AddYears(40);
        var original = PackageHash.Of(Repository.Zip(_folder, time, ("a.dll", "A"), ("b.json", "{}")));
        Assert.NotEqual(original, PackageHash.Of(Repository.Zip(_folder, time, ("a.dll", "B"), ("b.json", "{}"))));
        Assert.NotEqual(original, PackageHash.Of(Repository.Zip(_folder, time, ("c.dll", "A"), ("b.json", "{}"))));
        // Name and content are delimited: moving a byte from the content into the next name is a change.
        Assert.NotEqual(PackageHash.Of(Repository.Zip(_folder, time, ("a", "xy"), ("b", ""))), PackageHash.Of(Repository.Zip(_folder, time, ("a", "x"), ("yb", ""))));
    }

    [Fact]
    public void The_blob_name_carries_the_hash()
    {
        var hash = PackageHash.Of(Repository.Zip(_folder, DateTimeOffset.UnixEpoch.AddYears(40), ("a.dll", "A")));
        Assert.Matches("^[0-9a-f]{64}$", hash);
        Assert.Equal($"functionapp-{hash[..16]}.zip", PackageHash.BlobName(hash));
    }

    [Fact]
    public void A_missing_package_says_how_to_build_it() =>
        Assert.Contains("./build.sh publish", Assert.Throws<FileNotFoundException>(() => PackageHash.Of(Path.Combine(_folder, "none.zip"))).Message);
}
