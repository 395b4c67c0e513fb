using ScimFunctions.Http;
using ScimFunctions.LocalHost;
using ScimFunctions.Protocol;
using ScimFunctions.Storage;
using ScimFunctions.Storage.Tenants;
using ScimFunctions.Storage.Tokens;

// Local development host: `dotnet run --project src/ScimFunctions.LocalHost`.
// With no storage configured it starts Azurite (data kept in .azurite/), creates the demo tenant,
// issues it a fresh Secret Token and prints the two values Entra's provisioning page asks for.
var overrides = new Dictionary<string, string?>();
Azurite? azurite = null;
var probe = new ConfigurationBuilder().AddJsonFile("appsettings.json", optional: true).AddEnvironmentVariables().AddCommandLine(args).Build();
if (string.IsNullOrEmpty(probe["Storage:ConnectionString"]) && string.IsNullOrEmpty(probe["Storage:TableEndpoint"]))
{
    var location = Path.Combine(RepositoryRoot.Find(), ".azurite");
    Directory.CreateDirectory(location);
    // Azurite's usual table port when free, so the admin CLI can use UseDevelopmentStorage=true.
    azurite = await Azurite.StartAsync(port: Azurite.IsFree(10002) ? 10002 : 0, location: location);
    overrides["Storage:ConnectionString"] = azurite.ConnectionString;
}

await using var app = LocalScimHost.Build(args, overrides);
try
{
    // Tables, demo tenant and token before the first request.
    await app.Services.GetRequiredService<ScimTables>().EnsureCreatedAsync();
    var tenant = TenantId.Parse(app.Configuration["Demo:Tenant"] ?? "demo");
    await app.Services.GetRequiredService<TenantStore>().CreateAsync(tenant, CancellationToken.None);
    // Only a hash is kept, so the token cannot be shown again: each start issues a new one (the old stops working).
    var issued = await app.Services.GetRequiredService<TokenService>().IssueAsync(tenant, lifetime: null, overlap: null, CancellationToken.None);

    await app.StartAsync();
    var url = app.Urls.FirstOrDefault() ?? "http://localhost:7071";
    Console.WriteLine();
    Console.WriteLine($"Tenant URL: {ScimRoutes.TenantUrl(url, tenant)}");
    Console.WriteLine($"Secret Token: {issued.Token}");
    Console.WriteLine();
    if (azurite is not null) Console.WriteLine($"Storage: Azurite on 127.0.0.1:{azurite.Port}, data in .azurite/");
    Console.WriteLine("Serving until Ctrl+C.");
    await app.WaitForShutdownAsync();
}
finally
{
    if (azurite is not null) await azurite.DisposeAsync();
}
