using System.Reflection;

namespace ScimFunctions.FunctionApp.Tests;

/// <summary>Where the Functions app's project and its build output are.</summary>
static class FunctionAppPaths
{
    /// <summary>The project file, as the build recorded it (the package test publishes it).</summary>
    public static string Project => typeof(FunctionAppPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "FunctionAppProject").Value!;

    /// <summary>The functions.metadata the Worker Sdk generated from the [Function] attributes. The app's build output
    /// flows into this project's output with the project reference, next to the app's assembly.</summary>
    public static string FunctionsMetadata => Path.Combine(Path.GetDirectoryName(typeof(FunctionAppHost).Assembly.Location)!, "functions.metadata");
}

/// <summary>The integration tests' Azurite fixture, one per run of this assembly.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<ScimFunctions.IntegrationTests.AzuriteFixture>
{
    public const string Name = "Azurite";
}
