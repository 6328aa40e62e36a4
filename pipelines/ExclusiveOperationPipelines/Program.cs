using ExclusiveOperationPipelines;

// ./build.sh pipelines: writes pipelines/generated from the C# definitions.
var output = args.Length > 0 ? args[0] : Path.Combine("pipelines", "generated");
try
{
    var files = PipelineCatalog.GeneratedFiles();
    foreach (var (path, content) in files)
    {
        var target = Path.Combine(output, path);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        await File.WriteAllTextAsync(target, content);
        Console.WriteLine($"wrote {target}");
    }
    return 0;
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
