using Azure.Data.Tables;
using ScimFunctions.LocalHost;

namespace ScimFunctions.IntegrationTests.Foundation;

/// <summary>The tables check runs when the host starts, so the first SCIM request does not pay for it.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class StartupWarmUpTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Tables_exist_after_start_before_any_request()
    {
        var prefix = "w" + Guid.NewGuid().ToString("N")[..10];
        var service = new TableServiceClient(azurite.ConnectionString);
        string[] expected = [prefix + "resources", prefix + "tokens"];
        Assert.Empty(await TablesAsync(service, prefix));

        await using var app = LocalScimHost.Build([], new Dictionary<string, string?>
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Storage:TablePrefix"] = prefix,
            ["Logging:LogLevel:Default"] = "Warning",
        });
        await app.StartAsync();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        List<string> tables;
        while ((tables = await TablesAsync(service, prefix)).Count < expected.Length && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        Assert.Equal(expected, tables.Order(StringComparer.Ordinal));
        await app.StopAsync();
    }

    static async Task<List<string>> TablesAsync(TableServiceClient service, string prefix)
    {
        var names = new List<string>();
        await foreach (var table in service.QueryAsync(TableServiceClient.CreateQueryFilter($"TableName ge {prefix} and TableName lt {prefix + "~"}")))
            names.Add(table.Name);
        return names;
    }
}
