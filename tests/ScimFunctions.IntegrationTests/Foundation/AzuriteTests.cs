using System.Net.Sockets;
using Azure.Data.Tables;
using ScimFunctions.LocalHost;

namespace ScimFunctions.IntegrationTests.Foundation;

public sealed class AzuriteTests
{
    [Fact]
    public async Task Starts_on_a_free_port_serves_tables_and_stops()
    {
        int port;
        await using (var azurite = await Azurite.StartAsync())
        {
            port = azurite.Port;
            var table = new TableClient(azurite.ConnectionString, "probe");
            await table.CreateIfNotExistsAsync();
            await table.AddEntityAsync(new TableEntity("p", "r") { ["V"] = 42 });
            Assert.Equal(42, (await table.GetEntityAsync<TableEntity>("p", "r")).Value.GetInt32("V"));
        }
        using var client = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => client.ConnectAsync("127.0.0.1", port));
    }
}
