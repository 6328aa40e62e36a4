
namespace AzureEnvironment.Tests;

public sealed class PackageHashTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("package-hash-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void The_same_content_zipped_at_another_time_and_order_has_the_same_hash()
    {
        var first = TestFiles.Zip(_folder, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), ("a.dll", "A"), ("sub/b.json", "{}"));
        var second = TestFiles.Zip(_folder, new DateTimeOffset(2026, 11, 28, 9, 30, 0, TimeSpan.Zero), ("sub/b.json", "{}"), ("a.dll", "A"));
        Assert.NotEqual(File.ReadAllBytes(first), File.ReadAllBytes(second));
        Assert.Equal(PackageHash.Of(first), PackageHash.Of(second));
    }

    [Fact]
    public void Changed_bytes_or_a_renamed_entry_change_the_hash()
    {
        var time = DateTimeOffset.UnixEpoch.AddYears(40);
        var original = PackageHash.Of(TestFiles.Zip(_folder, time, ("a.dll", "A"), ("b.json", "{}")));
        Assert.NotEqual(original, PackageHash.Of(TestFiles.Zip(_folder, time, ("a.dll", "B"), ("b.json", "{}"))));
        Assert.NotEqual(original, PackageHash.Of(TestFiles.Zip(_folder, time, ("c.dll", "A"), ("b.json", "{}"))));
        // Name and content are delimited: moving a byte from the content into the next name is a change.
        Assert.NotEqual(PackageHash.Of(TestFiles.Zip(_folder, time, ("a", "xy"), ("b", ""))), PackageHash.Of(TestFiles.Zip(_folder, time, ("a", "x"), ("yb", ""))));
    }

    [Fact]
    public void The_blob_name_carries_the_hash()
    {
        var hash = PackageHash.Of(TestFiles.Zip(_folder, DateTimeOffset.UnixEpoch.AddYears(40), ("a.dll", "A")));
        Assert.Matches("^[0-9a-f]{64}$", hash);
        Assert.Equal($"functionapp-{hash[..16]}.zip", PackageHash.BlobName(hash));
    }

    [Fact]
    public void A_missing_package_says_how_to_build_it() =>
        Assert.Contains("./build.sh publish", Assert.Throws<FileNotFoundException>(() => PackageHash.Of(Path.Combine(_folder, "none.zip"))).Message);

    private StackEnvironment Environment(string package, string plan, bool packageRequired) =>
        StackEnvironment.Create(StackConfiguration.Parse("dev", new Dictionary<string, string> { ["packagePath"] = package, ["plan"] = plan }, _folder),
            TestFiles.GeneratedPipelines, packageRequired);

    /// <summary>pulumi preview (a dry run) in a fresh checkout: the package is not built, and the preview says so.</summary>
    [Theory]
    [InlineData("flex")]
    [InlineData("premium")]
    public void Without_the_package_a_preview_shows_a_placeholder_and_up_names_build_publish(string plan)
    {
        var missing = Path.Combine(_folder, "out", "functionapp.zip");
        var preview = Environment(missing, plan, packageRequired: false);
        Assert.False(preview.Package.IsBuilt);
        Assert.Equal(StackEnvironment.PackageNotBuilt, preview.Package.ContentHash);
        Assert.Contains("./build.sh publish", preview.Package.ContentHash);
        Assert.Equal("functionapp-not-built.zip", preview.Package.BlobName);
        Assert.Contains("./build.sh publish", ArmPreview.Template(preview)["metadata"]!["package"]!["contentHash"]!.GetValue<string>());

        var up = Assert.Throws<FileNotFoundException>(() => Environment(missing, plan, packageRequired: true));
        Assert.Contains("./build.sh publish", up.Message);
    }

    [Fact]
    public void A_built_package_is_hashed_in_a_preview_too()
    {
        var package = TestFiles.Zip(_folder, DateTimeOffset.UnixEpoch.AddYears(40), ("a.dll", "A"));
        var preview = Environment(package, "flex", packageRequired: false);
        Assert.True(preview.Package.IsBuilt);
        Assert.Equal(PackageHash.Of(package), preview.Package.ContentHash);
    }
}
