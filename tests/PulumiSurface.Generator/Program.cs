using System.Text.RegularExpressions;
using PulumiSurface.Generator;

// Usage: PulumiSurface.Generator [--version=V] TYPINGS DOUBLES OUT SOURCE_FOLDER...
// --version: the Pulumi.AzureNative version the program is built with (NuGet); the typings must be of the same one.
// TYPINGS: node_modules/@pulumi/azure-native; DOUBLES: the schema's number (double) properties, one module:Type.property
// a line; OUT: the folder to write (replaced); SOURCE_FOLDER: the C# sources whose Pulumi.AzureNative names are generated.
var expected = args.FirstOrDefault(a => a.StartsWith("--version=", StringComparison.Ordinal))?["--version=".Length..];
args = [.. args.Where(a => !a.StartsWith("--version=", StringComparison.Ordinal))];
if (args.Length < 4)
{
    Console.Error.WriteLine("Usage: PulumiSurface.Generator [--version=V] TYPINGS DOUBLES OUT SOURCE_FOLDER...");
    return 2;
}
var (typings, doublesFile, output) = (args[0], args[1], args[2]);
var version = Regex.Match(File.ReadAllText(Path.Combine(typings, "package.json")), "\"version\":\\s*\"([^\"]+)\"").Groups[1].Value;
if (expected is not null && expected != version)
{
    Console.Error.WriteLine($"error: Pulumi.AzureNative is pinned at {expected} (Directory.Packages.props) but the typings are @pulumi/azure-native {version} (tests/PulumiSurface/package.json): pin the same version in both.");
    return 1;
}
var doubles = File.ReadAllLines(doublesFile).Select(l => l.Split('#')[0].Trim()).Where(l => l.Length > 0).ToHashSet();
var generator = new AzureNative(typings, doubles);
var added = 0;
foreach (var (ns, folder, name) in Uses.Find(args[3..].SelectMany(f => Directory.EnumerateFiles(f, "*.cs", SearchOption.AllDirectories))
    .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal)).Select(File.ReadAllText)))
{
    // A name the typings lack is left out: the compile check then reports it where the program uses it.
    if (generator.Module(ns) is not { } module) continue;
    if (folder is null ? generator.Add(module, name) || generator.AddType(module, null, name) : generator.AddType(module, folder, name)) added++;
}
var files = generator.Generate();
if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
foreach (var (path, code) in files)
{
    var file = Path.Combine(output, path);
    Directory.CreateDirectory(Path.GetDirectoryName(file)!);
    File.WriteAllText(file, code);
}
File.WriteAllText(Path.Combine(output, "version.txt"), version + Environment.NewLine);
Console.WriteLine($"Pulumi.AzureNative surface: {files.Count} files for {added} names the program uses, from @pulumi/azure-native {version} typings, in {output}");
return 0;
