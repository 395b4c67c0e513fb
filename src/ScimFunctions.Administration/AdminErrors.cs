using Azure;
using Azure.Identity;
using ScimFunctions.Protocol;

namespace ScimFunctions.Administration;

/// <summary>What went wrong, as a caller maps it: the CLI to an exit code, a page to a message.</summary>
public enum AdminErrorKind
{
    /// <summary>A value the caller gave is not acceptable (a setting, a lifetime, an id's shape).</summary>
    InvalidArgument,
    TenantNotFound,
    /// <summary>A token, user or group id that the tenant does not have.</summary>
    NotFound,
    /// <summary>A schema declaration (file or roles) that does not parse or validate: refused whole, nothing saved.
    /// The CLI's exit code 1 (the command ran; the file's content was refused), unlike a usage error.</summary>
    InvalidDeclaration,
    /// <summary>Storage or Key Vault could not be reached or refused access; the message says what to check.</summary>
    StorageUnavailable,
}

/// <summary>The admin core's one error type: a kind and a readable one-line message (no stack, no secrets).</summary>
public sealed class AdminException(AdminErrorKind kind, string message, Exception? inner = null) : Exception(message, inner)
{
    public AdminErrorKind Kind => kind;

    public static AdminException TenantNotFound(TenantId tenant) =>
        new(AdminErrorKind.TenantNotFound, $"Tenant {tenant} not found: create it with `tenant create {tenant}`.");

    public static AdminException Invalid(string message) => new(AdminErrorKind.InvalidArgument, message);

    public static AdminException NotFound(string message) => new(AdminErrorKind.NotFound, message);
}

/// <summary>Turns what the Azure SDK throws once its own retries are spent into <see cref="AdminErrorKind.StorageUnavailable"/>.</summary>
public static class StorageGuard
{
    public static async Task<T> RunAsync<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (Describe(e) is { } message)
        {
            throw new AdminException(AdminErrorKind.StorageUnavailable, message, e);
        }
    }

    public static async Task RunAsync(Func<Task> action) => await RunAsync(async () => { await action(); return true; });

    static string? Describe(Exception e) => e switch
    {
        AuthenticationFailedException or CredentialUnavailableException =>
            "could not sign in to Azure: run `az login` (or give --connection-string for Azurite).",
        RequestFailedException { Status: 401 or 403 } r =>
            $"storage refused access ({r.Status} {r.ErrorCode}): check that your principal has the Storage Table Data Contributor and Key Vault Secrets Officer roles (Bicep parameter adminPrincipalId).",
        RequestFailedException { Status: 0 } or HttpRequestException or IOException or TimeoutException =>
            "storage unreachable: check --table-endpoint / --connection-string (Storage__*), the network, and that Azurite is running when local.",
        RequestFailedException r => $"storage answered {r.Status} {r.ErrorCode}: retry; if it persists check the account in the Azure portal.",
        AggregateException a when a.InnerExceptions.Count > 0 => Describe(a.InnerExceptions[0]),
        _ => null,
    };
}
