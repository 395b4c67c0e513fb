using Azure.Data.Tables;
using ScimFunctions.IntegrationTests.KeyVault;
using ScimFunctions.Storage.Tokens;
using ScimFunctions.Storage;
using ScimFunctions.Storage.Tables;

namespace ScimFunctions.IntegrationTests.Tokens;

/// <summary>The token contract on the table store, in Azurite (what runs locally).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class TableTokenStoreContractTests(AzuriteFixture azurite) : TokenStoreContract
{
    static readonly string TablePrefix = "tok" + Guid.NewGuid().ToString("N")[..12];

    protected override async Task<ITokenStore> CreateStoreAsync()
    {
        var tables = new ScimTables(new StorageOptions { ConnectionString = azurite.ConnectionString, TablePrefix = TablePrefix }, new StorageRequestCounter());
        await tables.EnsureCreatedAsync();
        return new TableTokenStore(tables);
    }
}

/// <summary>The token contract on the Key Vault store, through the real SecretClient against the stand-in
/// (what runs in Azure). Each test gets its own stand-in.</summary>
public sealed class KeyVaultTokenStoreContractTests : TokenStoreContract
{
    KeyVaultStandIn? _vault;

    protected override async Task<ITokenStore> CreateStoreAsync()
    {
        _vault = await KeyVaultStandIn.StartAsync();
        return new KeyVaultTokenStore(_vault.CreateClient(), Time);
    }

    public override async Task DisposeAsync()
    {
        if (_vault is not null) await _vault.DisposeAsync();
    }
}
