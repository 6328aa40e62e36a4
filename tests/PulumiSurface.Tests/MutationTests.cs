using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace PulumiSurface.Tests;

/// <summary>
/// The program (deploy/azure/Infra) compiled in-process against the built surface, as it is and with one mistake:
/// each mistake must fail with the error the real Pulumi packages give, or the compile check would pass a broken program.
/// </summary>
public sealed class MutationTests
{
    private const string Stack = "deploy/azure/Infra/ExclusiveOperationsStack.cs";

    /// <summary>The usings the SDK's ImplicitUsings gives the project.</summary>
    private const string ImplicitUsings = "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; "
        + "global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;";

    // Everything the test process loads can be referenced: the framework, the surface (PulumiSurface.dll) and the
    // program's library (AzureEnvironment.dll) are all among its trusted platform assemblies.
    private static readonly Lazy<IReadOnlyList<MetadataReference>> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => p.EndsWith(".dll", StringComparison.Ordinal)).Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToList());

    private static IReadOnlyList<Diagnostic> Compile(string? original = null, string? mutated = null)
    {
        var root = Repository.Root;
        var trees = new List<SyntaxTree> { CSharpSyntaxTree.ParseText(ImplicitUsings, Options) };
        foreach (var file in Directory.GetFiles(Path.Combine(root, "deploy", "azure", "Infra"), "*.cs"))
        {
            var text = File.ReadAllText(file);
            if (original is not null && file.EndsWith(Stack.Split('/')[^1], StringComparison.Ordinal))
            {
                var at = text.IndexOf(original, StringComparison.Ordinal);
                Assert.True(at >= 0 && text.IndexOf(original, at + 1, StringComparison.Ordinal) < 0, $"The text to mutate is not in {Stack} exactly once (the program changed; update the test): {original}");
                text = text.Replace(original, mutated, StringComparison.Ordinal);
            }
            trees.Add(CSharpSyntaxTree.ParseText(text, Options, file));
        }
        var compilation = CSharpCompilation.Create("Infra", trees, References.Value,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        return compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
    }

    private static readonly CSharpParseOptions Options = new(LanguageVersion.Latest);

    [Fact]
    public void The_program_compiles_against_the_surface()
    {
        var diagnostics = Compile();
        Assert.True(diagnostics.Count == 0, string.Join(Environment.NewLine, diagnostics));
    }

    [Theory]
    // A wrong property name in an Args object.
    [InlineData("HttpsOnly = appSpec.HttpsOnly,", "HttpOnly = appSpec.HttpsOnly,", "CS0117")]
    // A wrong output property of a resource.
    [InlineData("Output.Tuple(app.DefaultHostName, app.Id)", "Output.Tuple(app.DefaultHostname, app.Id)", "CS1061")]
    // A wrong member of an invoke's result.
    [InlineData("client.Apply(c => c.ObjectId)", "client.Apply(c => c.ObjectID)", "CS1061")]
    // A wrong enum member.
    [InlineData("PublicAccess = Storage.PublicAccess.None,", "PublicAccess = Storage.PublicAccess.Private,", "CS0117")]
    // An enum of another type (the factory's identity type for the app's).
    [InlineData("Type = Web.ManagedServiceIdentityType.SystemAssigned", "Type = DataFactory.FactoryIdentityType.SystemAssigned", "CS0029")]
    // A string where an Args object is needed.
    [InlineData("Sku = new Storage.Inputs.SkuArgs { Name = storageSpec.SkuName },", "Sku = storageSpec.SkuName,", "CS0029")]
    // A string, and a double, where the schema has an integer.
    [InlineData("RetentionInDays = environment.LogAnalytics.RetentionInDays,", "RetentionInDays = \"30\",", "CS0029")]
    [InlineData("RetentionInDays = environment.LogAnalytics.RetentionInDays,", "RetentionInDays = 30.5,", "CS0266")]
    // The Args of another resource.
    [InlineData("new Web.WebApp(\"function-app\", appArgs,", "new Web.WebApp(\"function-app\", planArgs,", "CS1503")]
    // A type in the wrong namespace (the Args types of Inputs are not in the module's namespace).
    [InlineData("Sku = new Web.Inputs.SkuDescriptionArgs {", "Sku = new Web.SkuDescriptionArgs {", "CS0234")]
    // A resource the provider does not have.
    [InlineData("new Web.WebAppScmAllowed(", "new Web.WebAppScmAllowedPolicy(", "CS0234")]
    // The collection initializer the program had: InputList<object>.Add is ambiguous for a string or an Output (pulumi/pulumi-dotnet#626).
    [InlineData("Triggers = new Input<object>[] { environment.Package.ContentHash, app.Id.Apply(object (id) => id) },", "Triggers = { environment.Package.ContentHash, app.Id },", "CS0121")]
    public void A_mistake_fails_with_the_compilers_error(string original, string mutated, string error)
    {
        var diagnostics = Compile(original, mutated);
        Assert.True(diagnostics.Count > 0, $"{mutated} compiled against the surface.");
        Assert.True(diagnostics.All(d => d.Id == error), $"Expected only {error}:{Environment.NewLine}{string.Join(Environment.NewLine, diagnostics)}");
    }
}
