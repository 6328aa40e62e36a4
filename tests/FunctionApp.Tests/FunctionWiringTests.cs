using System.Reflection;
using ExclusiveOperations.Hosting;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionApp.Tests;

/// <summary>The adapter's classes are built by the worker from the app's services: every one must resolve.</summary>
public sealed class FunctionWiringTests
{
    private static readonly Type[] FunctionClasses = typeof(StarterFunction).Assembly.GetTypes()
        .Where(t => t.GetMethods().Any(m => m.GetCustomAttribute<FunctionAttribute>() is not null)).ToArray();

    [Fact]
    public void Every_function_class_is_built_from_the_services_the_app_registers()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [ExclusiveOperationsServices.StorageSetting] = "UseDevelopmentStorage=true",
        }).Build();
        using var services = new ServiceCollection().AddLogging().AddExclusiveOperations(configuration).BuildServiceProvider();

        Assert.Equal(["DurableFunctions", "RunStatusFunction", "StarterFunction"], FunctionClasses.Select(t => t.Name).Order());
        Assert.All(FunctionClasses, type => Assert.NotNull(ActivatorUtilities.CreateInstance(services, type)));
    }

    [Fact]
    public void Function_names_are_unique_across_the_app()
    {
        var names = FunctionClasses.SelectMany(t => t.GetMethods()).Select(m => m.GetCustomAttribute<FunctionAttribute>()?.Name).OfType<string>().ToList();

        Assert.Equal(names.Count, names.Distinct().Count());
    }
}
