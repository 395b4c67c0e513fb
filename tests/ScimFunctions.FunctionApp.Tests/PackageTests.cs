using System.Diagnostics;
using System.IO.Compression;
using System.Reflection.PortableExecutable;
using System.Text.Json.Nodes;

namespace ScimFunctions.FunctionApp.Tests;

/// <summary>
/// Publishes the app once, with the documented command (`dotnet publish src/ScimFunctions.FunctionApp -c Release`,
/// which also zips it), and checks the zip that `az functionapp deployment source config-zip` / Flex Consumption
/// one-deploy take: what the Functions host reads at the root, ReadyToRun code for linux-x64, and nothing that must
/// not be deployed.
/// </summary>
public sealed class PublishedPackage : IAsyncLifetime
{
    readonly string _folder = Path.Combine(Path.GetTempPath(), "scimfunctions-package-" + Guid.NewGuid().ToString("N")[..8]);

    public string Zip => Path.Combine(_folder, "scimfunctions-app.zip");

    public ZipArchive Archive { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(_folder);
        // A developer's local.settings.json (connection strings) must never be published: have one while publishing.
        var project = Path.GetDirectoryName(FunctionAppPaths.Project)!;
        var localSettings = Path.Combine(project, "local.settings.json");
        var madeLocalSettings = !File.Exists(localSettings);
        if (madeLocalSettings) File.Copy(Path.Combine(project, "..", "..", "local.settings.sample.json"), localSettings);
        try
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "publish", FunctionAppPaths.Project, "-c", "Release", "-o", Path.Combine(_folder, "publish"), $"-p:FunctionAppZip={Zip}", "-nodeReuse:false" })
                start.ArgumentList.Add(a);
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15));
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, $"dotnet publish failed ({process.ExitCode}):\n{await stdout}\n{await stderr}");
        }
        finally
        {
            if (madeLocalSettings) File.Delete(localSettings);
        }
        Archive = ZipFile.OpenRead(Zip);
    }

    public Task DisposeAsync()
    {
        Archive?.Dispose();
        System.IO.Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }
}

public sealed class PackageTests(PublishedPackage package) : IClassFixture<PublishedPackage>
{
    IEnumerable<string> Entries => package.Archive.Entries.Select(e => e.FullName.Replace('\\', '/'));

    string Read(string entry)
    {
        using var reader = new StreamReader(package.Archive.GetEntry(entry)!.Open());
        return reader.ReadToEnd();
    }

    [Theory]
    [InlineData("functions.metadata")]
    [InlineData("host.json")]
    [InlineData("worker.config.json")]
    [InlineData("extensions.json")]
    [InlineData("ScimFunctions.FunctionApp.dll")]
    [InlineData("ScimFunctions.FunctionApp.deps.json")]
    [InlineData("ScimFunctions.FunctionApp.runtimeconfig.json")]
    [InlineData(".azurefunctions/function.deps.json")]
    [InlineData(".azurefunctions/Microsoft.Azure.Functions.Worker.Extensions.dll")]
    [InlineData(".azurefunctions/Microsoft.Azure.WebJobs.Extensions.FunctionMetadataLoader.dll")]
    public void Holds_what_the_functions_host_reads_at_its_root(string entry) => Assert.Contains(entry, Entries);

    [Fact]
    public void Holds_nothing_that_must_not_be_deployed()
    {
        Assert.DoesNotContain(Entries, e => Path.GetFileName(e).Equals("local.settings.json", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(Entries, e => e.Contains("Tests", StringComparison.Ordinal) || e.StartsWith("xunit", StringComparison.OrdinalIgnoreCase)
            || e.Contains("TestPlatform", StringComparison.Ordinal) || e.Contains("testhost", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(Entries, e => e.StartsWith("scim-admin", StringComparison.Ordinal) || e.StartsWith("ScimFunctions.LocalHost", StringComparison.Ordinal));
    }

    [Fact]
    public void Metadata_and_config_are_the_apps()
    {
        Assert.Equal(File.ReadAllText(FunctionAppPaths.FunctionsMetadata), Read("functions.metadata"));
        Assert.Equal("", JsonNode.Parse(Read("host.json"))!["extensions"]!["http"]!["routePrefix"]!.GetValue<string>());
        var worker = JsonNode.Parse(Read("worker.config.json"))!["description"]!;
        Assert.Equal("dotnet", worker["defaultExecutablePath"]!.GetValue<string>());
        Assert.Equal("ScimFunctions.FunctionApp.dll", worker["defaultWorkerPath"]!.GetValue<string>());
        // HTTP and timer triggers are built into the host; the extensions metadata loads the worker's function
        // metadata provider, from a path that must be in the package.
        var extensions = JsonNode.Parse(Read("extensions.json"))!["extensions"]!.AsArray().Select(e => e!.AsObject()).ToList();
        Assert.Contains(extensions, e => e["typeName"]!.GetValue<string>().StartsWith("Microsoft.Azure.WebJobs.Extensions.FunctionMetadataLoader.", StringComparison.Ordinal));
        Assert.All(extensions, e => Assert.Contains(Path.GetRelativePath(".", e["hintPath"]!.GetValue<string>()).Replace('\\', '/'), Entries));
    }

    [Fact]
    public void Targets_linux_x64()
    {
        var deps = JsonNode.Parse(Read("ScimFunctions.FunctionApp.deps.json"))!;
        Assert.Equal(".NETCoreApp,Version=v10.0/linux-x64", deps["runtimeTarget"]!["name"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("ScimFunctions.FunctionApp.dll")]
    [InlineData("ScimFunctions.Http.dll")]
    [InlineData("ScimFunctions.Storage.dll")]
    [InlineData("ScimFunctions.Protocol.dll")]
    [InlineData("Azure.Data.Tables.dll")]
    public void Assemblies_are_ready_to_run(string entry)
    {
        // A ReadyToRun image carries precompiled code behind the CLI header's managed native header.
        using var copy = new MemoryStream();
        using (var stream = package.Archive.GetEntry(entry)!.Open()) stream.CopyTo(copy);
        copy.Position = 0;
        using var pe = new PEReader(copy);
        Assert.True(pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size > 0, $"{entry} is IL only");
    }
}
