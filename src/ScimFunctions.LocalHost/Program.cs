using Microsoft.AspNetCore.Http;
using ScimFunctions.LocalHost;
using ScimFunctions.Protocol;

// Local development host: `dotnet run --project src/ScimFunctions.LocalHost`.
// With no storage configured it starts Azurite (data kept in .azurite/), creates the demo tenant,
// issues it a fresh Secret Token and prints the two values Entra's provisioning page asks for.
// The settings read before the host is built, in WebApplication's order (ASPNETCORE_URLS, appsettings, environment,
// command line), without the cost of a second builder on every start.
var probe = new ConfigurationBuilder().AddEnvironmentVariables("ASPNETCORE_").AddJsonFile("appsettings.json", optional: true)
    .AddEnvironmentVariables().AddCommandLine(args).Build();

// A second copy would fail to bind only after starting a second Azurite on the same data folder: say so first.
foreach (var url in (probe["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
{
    var port = BindingAddress.Parse(url).Port;
    if (port != 0 && !Azurite.IsFree(port))
    {
        Console.Error.WriteLine($"Port {port} is already in use (is the local host already running?): stop that process, or pick another port with --urls http://localhost:<port>.");
        return 1;
    }
}

var overrides = new Dictionary<string, string?>();
Azurite? azurite = null;
if (string.IsNullOrEmpty(probe["Storage:ConnectionString"]) && string.IsNullOrEmpty(probe["Storage:TableEndpoint"]))
{
    var location = Path.Combine(RepositoryRoot.Find(), ".azurite");
    Directory.CreateDirectory(location);
    // Azurite's usual table port when free, so the admin CLI can use UseDevelopmentStorage=true.
    azurite = await Azurite.StartAsync(port: Azurite.IsFree(10002) ? 10002 : 0, location: location);
    overrides["Storage:ConnectionString"] = azurite.ConnectionString;
}

// Provisioning events are pushed by this host (docs/integrating.md); settings given in appsettings, the
// environment or the command line win over these.
foreach (var (key, value) in LocalScimHost.QuickStartEvents)
    if (probe[key] is null) overrides[key] = value;

await using var host = await LocalScimHarness.StartAsync(overrides, args, ownedAzurite: azurite);
// Only a hash is kept, so the token cannot be shown again: each start issues a new one (the old stops working).
var demo = await host.CreateTenantAsync(TenantId.Parse(host.App.Configuration["Demo:Tenant"] ?? "demo"));
Console.WriteLine();
Console.WriteLine($"Tenant URL: {demo.BaseUrl}");
Console.WriteLine($"Secret Token: {demo.Token}");
Console.WriteLine();
if (azurite is not null) Console.WriteLine($"Storage: Azurite on 127.0.0.1:{azurite.Port}, data in .azurite/");
Console.WriteLine("Serving until Ctrl+C.");
await host.App.WaitForShutdownAsync();
return 0;
