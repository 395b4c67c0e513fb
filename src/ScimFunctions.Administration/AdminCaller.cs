using ScimFunctions.Storage.Audit;

namespace ScimFunctions.Administration;

/// <summary>Who asked for an admin action, recorded as the audit entry's client: <c>cli</c>, <c>app/&lt;name&gt;</c>
/// (the application's own settings page, through the admin core) or <c>page/&lt;link id&gt;</c> (a self-service page link).</summary>
public sealed record AdminCaller(string Client)
{
    public static AdminCaller Cli { get; } = new("cli");

    public static AdminCaller Application(string name) => new("app/" + name);

    public static AdminCaller PageLink(string linkId) => new("page/" + linkId);

    /// <summary>The write context of one admin action: its own request id, so its audit rows are grouped.</summary>
    public WriteContext Write(string operation) => new("admin-" + Guid.NewGuid().ToString("N")[..12], operation, Client);
}
