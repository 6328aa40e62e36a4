using PulumiSurface.Generator;

namespace PulumiSurface.Tests;

/// <summary>The generator on small typings written like @pulumi/azure-native's: the C# it writes for each kind of type.</summary>
public sealed class GeneratorTests : IDisposable
{
    private readonly string _typings = Path.Combine(Path.GetTempPath(), $"surface-typings-{Guid.NewGuid():N}");

    public GeneratorTests()
    {
        Write("web/site.d.ts", """
            import * as pulumi from "@pulumi/pulumi";
            /** A site. { not a brace that counts } */
            export declare class Site extends pulumi.CustomResource {
                static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): Site;
                static isInstance(obj: any): obj is Site;
                readonly defaultHostName: pulumi.Output<string>;
                readonly kind: pulumi.Output<string | undefined>;
                readonly skus: pulumi.Output<outputs.web.SkuResponse[] | undefined>;
                readonly tags: pulumi.Output<{
                    [key: string]: string;
                } | undefined>;
                constructor(name: string, args: SiteArgs, opts?: pulumi.CustomResourceOptions);
            }
            export interface SiteArgs {
                /** The name. */
                name: pulumi.Input<string>;
                kind?: pulumi.Input<string | enums.web.Kind | undefined>;
                identityType?: pulumi.Input<enums.web.Kind | undefined>;
                hosts?: pulumi.Input<pulumi.Input<string>[] | undefined>;
                tags?: pulumi.Input<{
                    [key: string]: pulumi.Input<string>;
                } | undefined>;
                sku?: pulumi.Input<inputs.web.SkuArgs | undefined>;
                count?: pulumi.Input<number | undefined>;
                ratio?: pulumi.Input<number | undefined>;
                activities?: pulumi.Input<pulumi.Input<inputs.web.AArgs | inputs.web.BArgs | inputs.web.CArgs>[] | undefined>;
                settings?: any | undefined;
                "@odata.type"?: pulumi.Input<string | undefined>;
            }
            """);
        Write("web/getSite.d.ts", """
            export declare function getSite(args: GetSiteArgs, opts?: pulumi.InvokeOptions): Promise<GetSiteResult>;
            export interface GetSiteArgs {
                name: string;
                names?: string[];
            }
            export interface GetSiteResult {
                readonly id: string;
                readonly size?: number;
            }
            export declare function getSiteOutput(args: GetSiteOutputArgs, opts?: pulumi.InvokeOutputOptions): pulumi.Output<GetSiteResult>;
            export interface GetSiteOutputArgs {
                name: pulumi.Input<string>;
            }
            """);
        Write("types/input.d.ts", """
            export declare namespace web {
                interface SkuArgs {
                    name: pulumi.Input<string | enums.web.SkuName>;
                    sku?: pulumi.Input<string | undefined>;
                }
                function skuArgsProvideDefaults(val: SkuArgs): SkuArgs;
                interface AArgs { a?: pulumi.Input<string>; }
                interface BArgs { b?: pulumi.Input<string>; }
                interface CArgs { c?: pulumi.Input<string>; }
            }
            """);
        Write("types/output.d.ts", """
            export declare namespace web {
                interface SkuResponse {
                    capacity?: number;
                    name: string;
                }
            }
            """);
        Write("types/enums/web/index.d.ts", """
            export declare const Kind: {
                readonly App: "app";
                readonly FunctionApp_Linux: "functionapp,linux";
            };
            export type Kind = (typeof Kind)[keyof typeof Kind];
            export declare const SkuName: {
                readonly Basic: "Basic";
            };
            """);
        Write("package.json", """{ "version": "0.0.1" }""");
    }

    public void Dispose() => Directory.Delete(_typings, recursive: true);

    private void Write(string path, string text)
    {
        var file = Path.Combine(_typings, path);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, text);
    }

    private IReadOnlyDictionary<string, string> Generate(params string[] names)
    {
        var generator = new AzureNative(_typings, new HashSet<string> { "web:Site.ratio" });
        foreach (var name in names)
            Assert.True(generator.Add("web", name), name);
        return generator.Generate();
    }

    [Fact]
    public void A_resource_has_outputs_a_constructor_and_args_as_the_dotnet_codegen_writes_them()
    {
        var site = Generate("Site")["Web/Site.cs"];
        Assert.Contains("namespace Pulumi.AzureNative.Web;", site);
        Assert.Contains("public partial class Site : global::Pulumi.CustomResource", site);
        Assert.Contains("[Output(\"defaultHostName\")] public Output<string> DefaultHostName { get; private set; } = null!;", site);
        Assert.Contains("public Output<string?> Kind", site);
        Assert.Contains("public Output<ImmutableArray<global::Pulumi.AzureNative.Web.Outputs.SkuResponse>> Skus", site);
        Assert.Contains("public Output<ImmutableDictionary<string, string>?> Tags", site);
        Assert.Contains("public Site(string name, SiteArgs args, CustomResourceOptions? options = null) : base(\"azure-native:web:Site\", name, args, options) { }", site);
        Assert.Contains("public sealed class SiteArgs : global::Pulumi.ResourceArgs", site);
        Assert.Contains("[Input(\"name\", required: true)] public Input<string> Name { get; set; } = null!;", site);
        Assert.Contains("[Input(\"kind\")] public InputUnion<string, global::Pulumi.AzureNative.Web.Kind>? Kind { get; set; }", site);
        Assert.Contains("public Input<global::Pulumi.AzureNative.Web.Kind>? IdentityType { get; set; }", site);
        Assert.Contains("public InputList<string> Hosts { get => _hosts ??= new(); set => _hosts = value; }", site);
        Assert.Contains("public InputMap<string> Tags { get => _tags ??= new(); set => _tags = value; }", site);
        Assert.Contains("public Input<global::Pulumi.AzureNative.Web.Inputs.SkuArgs>? Sku { get; set; }", site);
        Assert.Contains("public InputList<object> Activities", site); // a union of more than two types is object
        Assert.Contains("[Input(\"settings\")] public Input<object>? Settings { get; set; }", site);
        Assert.Contains("[Input(\"@odata.type\")] public Input<string>? OdataType { get; set; }", site);
    }

    [Fact]
    public void Numbers_are_int_unless_listed_as_the_schemas_number()
    {
        var site = Generate("Site")["Web/Site.cs"];
        Assert.Contains("public Input<int>? Count { get; set; }", site);
        Assert.Contains("public Input<double>? Ratio { get; set; }", site);
    }

    [Fact]
    public void The_types_a_resource_reaches_are_generated_and_nothing_else()
    {
        var files = Generate("Site");
        Assert.Equal(["Web/Enums/Kind.cs", "Web/Enums/SkuName.cs", "Web/Inputs/SkuArgs.cs", "Web/Outputs/SkuResponse.cs", "Web/Site.cs"], files.Keys.Order());
        Assert.Contains("[Input(\"name\", required: true)] public InputUnion<string, global::Pulumi.AzureNative.Web.SkuName> Name { get; set; } = null!;", files["Web/Inputs/SkuArgs.cs"]);
        // Named as the type but not as its class (SkuArgs): no Value suffix, which only a member named as its class takes.
        Assert.Contains("[Input(\"sku\")] public Input<string>? Sku { get; set; }", files["Web/Inputs/SkuArgs.cs"]);
        Assert.Equal("SkuValue", AzureNative.Member("sku", "Sku"));
        Assert.Contains("public readonly int? Capacity = default!;", files["Web/Outputs/SkuResponse.cs"]);
        Assert.Contains("public readonly string Name = default!;", files["Web/Outputs/SkuResponse.cs"]);
        Assert.Contains("public readonly struct Kind : IEquatable<Kind>", files["Web/Enums/Kind.cs"]);
        Assert.Contains("public static Kind FunctionApp_Linux =>", files["Web/Enums/Kind.cs"]);
    }

    [Fact]
    public void An_invoke_has_InvokeAsync_with_plain_args_and_Invoke_with_inputs()
    {
        var get = Generate("GetSite")["Web/GetSite.cs"];
        Assert.Contains("public static Task<GetSiteResult> InvokeAsync(GetSiteArgs args, InvokeOptions? options = null)", get);
        Assert.Contains("public static Output<GetSiteResult> Invoke(GetSiteInvokeArgs args, InvokeOptions? options = null)", get);
        Assert.Contains("[Input(\"name\", required: true)] public string Name { get; set; } = null!;", get);
        Assert.Contains("public List<string> Names { get => _names ??= new(); set => _names = value; }", get);
        Assert.Contains("public sealed class GetSiteInvokeArgs : global::Pulumi.InvokeArgs", get);
        Assert.Contains("[Input(\"name\", required: true)] public Input<string> Name { get; set; } = null!;", get);
        Assert.Contains("public readonly string Id = default!;", get);
        Assert.Contains("public readonly int? Size = default!;", get);
    }

    [Fact]
    public void Uses_are_found_through_aliases_and_full_names()
    {
        var uses = Uses.Find([
            "using Web = Pulumi.AzureNative.Web;\nvar s = new Web.Site(\"s\", new Web.SiteArgs { Sku = new Web.Inputs.SkuArgs() });",
            "var k = Pulumi.AzureNative.Storage.Kind.StorageV2; var nested = MyWeb.Other;",
        ]).Select(u => $"{u.Namespace}.{u.Folder}.{u.Name}").Order();
        Assert.Equal(["Storage..Kind", "Web..Site", "Web..SiteArgs", "Web.Inputs.SkuArgs"], uses);
    }

    [Fact]
    public void A_module_takes_its_csharp_namespace()
    {
        Assert.Equal("DataFactory", AzureNative.Namespace("datafactory"));
        Assert.Equal("Web", AzureNative.Namespace("web"));
        Assert.Equal("Web", new AzureNative(_typings, new HashSet<string>()).Module("Web") is { } m ? AzureNative.Namespace(m) : null);
        Assert.Null(new AzureNative(_typings, new HashSet<string>()).Module("WEB"));
    }
}
