using System.Diagnostics;
using System.Text.Json.Nodes;
using ScimFunctions.Admin;

namespace ScimFunctions.IntegrationTests.Admin;

/// <summary>The built `scim-admin` tool run as a process (the dll the build produced, under `dotnet`), against Azurite:
/// every error class prints one readable line, no stack trace, and its documented exit code.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AdminToolTests(AzuriteFixture azurite)
{
    readonly string _prefix = "tool" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>The tool as its own build produced it (src/ScimFunctions.Admin/bin/&lt;configuration&gt;/net10.0), with its own
    /// dependencies: the test project's output holds the web framework's versions instead.</summary>
    static readonly string Tool = ToolPath();

    static string ToolPath()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));   // …/bin/<configuration>/net10.0
        var configuration = output.Parent!.Name;
        var repository = output.Parent.Parent!.Parent!.Parent!.Parent!.FullName;                          // tests/<project>/bin/… → repository root
        return Path.Combine(repository, "src", "ScimFunctions.Admin", "bin", configuration, output.Name, "scim-admin.dll");
    }

    async Task<(int Exit, string Out, string Err)> RunAsync(IEnumerable<string> args, bool storage = true)
    {
        Assert.True(File.Exists(Tool), $"The built tool is missing: {Tool}");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "exec", Tool }.Concat(args)) start.ArgumentList.Add(a);
        if (storage)
            foreach (var a in new[] { "--connection-string", azurite.ConnectionString, "--table-prefix", _prefix }) start.ArgumentList.Add(a);
        // The tool must not pick up storage from the test process's environment.
        start.Environment.Remove("Storage__ConnectionString");
        start.Environment.Remove("Storage__TableEndpoint");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        var result = (process.ExitCode, await output, await error);
        // Whatever happened: no stack trace, and an error is one line (plus the usage hint for usage errors).
        Assert.DoesNotContain("   at ", result.Item2 + result.Item3);
        return result;
    }

    static void AssertOneError(string err, string expected)
    {
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.InRange(lines.Length, 1, 2);
        Assert.Contains(expected, lines[0]);
    }

    [Fact]
    public async Task No_command_prints_the_usage_and_exits_2()
    {
        var (exit, _, err) = await RunAsync([], storage: false);
        Assert.Equal(AdminCli.Usage, exit);
        Assert.Contains("Usage:", err);
        Assert.Contains("tenant", err);
    }

    [Theory]
    [InlineData(new[] { "frobnicate" }, "Unrecognized command or argument 'frobnicate'")]
    [InlineData(new[] { "token" }, "Required command was not provided")]
    [InlineData(new[] { "tenant", "settings", "t1", "--mode", "Sometimes" }, "--mode must be one of Sync, DryRun (got 'Sometimes').")]
    [InlineData(new[] { "tenant", "settings", "t1", "--provisioning", "maybe" }, "--provisioning must be one of On, Off (got 'maybe').")]
    [InlineData(new[] { "tenant", "settings", "t1", "--group-provisioning", "some" }, "--group-provisioning must be one of On, Off (got 'some').")]
    [InlineData(new[] { "group-roles", "map", "t1", "--group", "Sales" }, "Option '--role' is required.")]
    [InlineData(new[] { "audit", "t1", "--since", "yesterday" }, "--since must be an ISO 8601 date or time")]
    [InlineData(new[] { "audit", "t1", "--top", "many" }, "many")]
    public async Task Usage_errors_exit_2_with_one_readable_line(string[] args, string expected)
    {
        var (exit, _, err) = await RunAsync(args);
        Assert.Equal(AdminCli.Usage, exit);
        AssertOneError(err, expected);
    }

    [Fact]
    public async Task Values_the_core_refuses_exit_2()
    {
        await RunAsync(["tenant", "create", "tool-range"]);
        var (exit, _, err) = await RunAsync(["token", "issue", "tool-range", "--expires-in-days", "0"]);
        Assert.Equal(AdminCli.Usage, exit);
        AssertOneError(err, "error: The lifetime must be between 1 and 3650 days (got 0).");
        (exit, _, err) = await RunAsync(["tenant", "settings", "tool-range"]);
        Assert.Equal(AdminCli.Usage, exit);
        AssertOneError(err, "give at least one of --deprovision, --mode, --provisioning");
    }

    [Fact]
    public async Task Unknown_tenant_or_id_exits_1()
    {
        var (exit, _, err) = await RunAsync(["token", "list", "no-such-tenant"]);
        Assert.Equal(AdminCli.Failure, exit);
        AssertOneError(err, "error: Tenant no-such-tenant not found: create it with `tenant create no-such-tenant`.");

        (exit, _, err) = await RunAsync(["tenant", "show", "Bad_Tenant"]);
        Assert.Equal(AdminCli.Failure, exit);
        AssertOneError(err, "is not a tenant id. A tenant id is 1-63 lowercase letters, digits or hyphens.");

        await RunAsync(["tenant", "create", "tool-ids"]);
        (exit, _, err) = await RunAsync(["token", "revoke", "tool-ids", "--id", "nope"]);
        Assert.Equal(AdminCli.Failure, exit);
        AssertOneError(err, "error: Tenant tool-ids has no token nope");
        (exit, _, err) = await RunAsync(["pending", "activate", "tool-ids", "--user", "nope"]);
        Assert.Equal(AdminCli.Failure, exit);
        AssertOneError(err, "error: Tenant tool-ids has no pending user nope");
    }

    [Fact]
    public async Task A_refused_declaration_exits_1_and_a_missing_file_exits_2()
    {
        await RunAsync(["tenant", "create", "tool-schema"]);
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, """{ "id": "urn:x:Thing", "attributes": [] }""");
            var (exit, output, err) = await RunAsync(["schema", "declare", "tool-schema", file]);
            Assert.Equal(AdminCli.Failure, exit);
            Assert.Equal("", output);
            AssertOneError(err, "error: the declaration was refused, nothing saved: Say which resource type 'urn:x:Thing' extends (User or Group)");
            await File.WriteAllTextAsync(file, "{ not json");
            (exit, _, err) = await RunAsync(["schema", "roles", "tool-schema", file]);
            Assert.Equal(AdminCli.Failure, exit);
            AssertOneError(err, "is not valid JSON");
        }
        finally
        {
            File.Delete(file);
        }
        var (missing, _, missingErr) = await RunAsync(["schema", "declare", "tool-schema", "/no/such/file.json"]);
        Assert.Equal(AdminCli.Usage, missing);
        AssertOneError(missingErr, "error: no such file: /no/such/file.json");
        var (notAwaiting, _, notAwaitingErr) = await RunAsync(["users", "activate", "tool-schema", "--user", Guid.NewGuid().ToString()]);
        Assert.Equal(AdminCli.Failure, notAwaiting);
        AssertOneError(notAwaitingErr, "awaiting activation");
    }

    [Fact]
    public async Task Storage_missing_or_unreachable_exits_1_saying_what_to_check()
    {
        var (exit, _, err) = await RunAsync(["tenant", "list"], storage: false);
        Assert.Equal(AdminCli.Failure, exit);
        AssertOneError(err, "error: no storage given: pass --table-endpoint (Azure) or --connection-string");

        var closed = azurite.ConnectionString.Replace($":{azurite.Azurite.Port}/", ":1/", StringComparison.Ordinal);
        (exit, _, err) = await RunAsync(["tenant", "list", "--connection-string", closed], storage: false);
        Assert.Equal(AdminCli.Failure, exit);
        AssertOneError(err, "error: storage unreachable: check --table-endpoint / --connection-string");

        (exit, _, err) = await RunAsync(["tenant", "list", "--connection-string", "not a connection string"], storage: false);
        Assert.Equal(AdminCli.Failure, exit);
        AssertOneError(err, "error: the storage settings are not valid");
    }

    [Fact]
    public async Task Tables_have_headers_and_say_no_entries()
    {
        await RunAsync(["tenant", "create", "tool-tables"]);
        var (exit, output, _) = await RunAsync(["pending", "list", "tool-tables"]);
        Assert.Equal(AdminCli.Success, exit);
        Assert.Equal("No entries.", output.Trim());

        (exit, output, _) = await RunAsync(["token", "issue", "tool-tables", "--expires-in-days", "20"]);
        Assert.Equal(AdminCli.Success, exit);
        (exit, output, _) = await RunAsync(["token", "list", "tool-tables"]);
        Assert.Equal(AdminCli.Success, exit);
        var lines = output.Trim().Split('\n');
        Assert.StartsWith("ID", lines[0]);
        Assert.Contains("DAYS LEFT", lines[0]);
        Assert.EndsWith("20 (rotate soon)", lines[1].TrimEnd());

        // The admin core exposes expiry: 20 days left is within the 30-day warning.
        (exit, output, _) = await RunAsync(["token", "expiring", "--json"]);
        Assert.Equal(AdminCli.Success, exit);
        var expiring = JsonNode.Parse(output)!.AsArray().Single(t => t!["tenant"]!.GetValue<string>() == "tool-tables")!;
        Assert.Equal(20, expiring["token"]!["daysLeft"]!.GetValue<int>());
        Assert.Equal(30, expiring["token"]!["expiryWarning"]!.GetValue<int>());

        // Admin actions are audited with who made them.
        (exit, output, _) = await RunAsync(["audit", "tool-tables", "--json"]);
        Assert.Equal(AdminCli.Success, exit);
        var operations = JsonNode.Parse(output)!.AsArray().Select(e => (e!["operation"]!.GetValue<string>(), e["client"]!.GetValue<string>())).ToList();
        Assert.Contains(("CREATE Tenant", "cli"), operations);
        Assert.Contains(("ISSUE Token", "cli"), operations);
    }
}
