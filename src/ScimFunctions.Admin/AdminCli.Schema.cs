using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using ScimFunctions.Administration;
using ScimFunctions.Protocol.Schema;

namespace ScimFunctions.Admin;

public static partial class AdminCli
{
    /// <summary>`schema declare|show|undeclared|roles|reindex`: a tenant's declared extensions, its choice for undeclared
    /// ones and the roles it offers, through the admin core's <see cref="SchemaAdmin"/>. Writes honour a change at once,
    /// reads within the settings cache window (30 s). A refused declaration is one line on stderr, exit code 1.</summary>
    static Command SchemaCommand(TextWriter output)
    {
        var schema = new Command("schema", "A tenant's custom attributes (declared extensions), undeclared-extension mode and available roles.");

        var file = new Argument<FileInfo>("file")
        {
            Description = "JSON: an RFC 7643 §7 schema, an array of them or a ListResponse (added or replaced by URN), "
                + "or a whole declaration { undeclaredExtensions, extensions: [ { resourceType, schema } ], roles } (replaces everything).",
        };
        var resourceType = new Option<string?>("--resource-type") { Description = "User or Group, for schemas whose URN does not end with one." };
        var declare = new Command("declare", "Declare extensions from a file.") { Tenant, file, resourceType };
        declare.SetAction((parse, ct) => WithCoreAsync(parse, async core =>
            await WriteSchemaAsync(output, parse, await core.Schemas.DeclareAsync(TenantOf(parse), ReadJson(parse.GetValue(file)!), parse.GetValue(resourceType), Caller, ct))));

        var show = new Command("show", "Print the tenant's declaration (the whole-declaration JSON shape).") { Tenant };
        show.SetAction((parse, ct) => WithCoreAsync(parse, async core => await WriteSchemaAsync(output, parse, await core.Schemas.GetAsync(TenantOf(parse), ct))));

        var mode = new Argument<UndeclaredExtensions>("mode") { Description = "Keep (the default: store undeclared extension attributes as sent) or Reject (400)." };
        var undeclared = new Command("undeclared", "Keep or reject attributes under extension URNs the tenant has not declared.") { Tenant, mode };
        undeclared.SetAction((parse, ct) => WithCoreAsync(parse, async core =>
            await WriteSchemaAsync(output, parse, await core.Schemas.SetUndeclaredAsync(TenantOf(parse), parse.GetValue(mode), Caller, ct))));

        var rolesFile = new Argument<FileInfo>("file") { Description = "JSON array of { \"value\", \"display\", \"type\" }: the roles listed at /Roles (replaces the list)." };
        var roles = new Command("roles", "Set the roles the tenant's application offers.") { Tenant, rolesFile };
        roles.SetAction((parse, ct) => WithCoreAsync(parse, async core =>
            await WriteSchemaAsync(output, parse, await core.Schemas.SetRolesAsync(TenantOf(parse), SchemaAdmin.ReadRoles(ReadJson(parse.GetValue(rolesFile)!)), Caller, ct))));

        var reindex = new Command("reindex", "Write the index rows of declared unique/indexed attributes for resources written before the declaration "
            + "(run it 30 s after declaring). Exit code 1 when a value is claimed twice.") { Tenant };
        reindex.SetAction((parse, ct) => WithCoreAsync(parse, async core =>
        {
            var result = await core.Schemas.ReindexAsync(TenantOf(parse), Caller, ct);
            await WriteAsync(output, parse, new { updated = result.Updated, conflicts = result.Conflicts },
                string.Join(Environment.NewLine, result.Conflicts.Prepend($"{result.Updated} resources re-indexed.")));
            return result.Conflicts.Count == 0 ? Success : Failure;
        }));

        schema.Subcommands.Add(declare);
        schema.Subcommands.Add(reindex);
        schema.Subcommands.Add(show);
        schema.Subcommands.Add(undeclared);
        schema.Subcommands.Add(roles);
        return schema;
    }

    static async Task<int> WriteSchemaAsync(TextWriter output, ParseResult parse, TenantSchema result)
    {
        var summary = string.Join(Environment.NewLine, result.Extensions.Select(e => $"{e.ResourceType}\t{e.Schema.Id}\t{e.Schema.Attributes.Count} attributes")
            .Append($"Undeclared extensions: {result.Undeclared}").Append($"Roles: {string.Join(", ", result.Roles.Select(r => r.Value))}"));
        await WriteAsync(output, parse, result.Write(), summary);
        return Success;
    }

    /// <summary>A file the command reads: missing is a usage error (2); content that is not JSON is refused (1).</summary>
    static JsonNode ReadJson(FileInfo file)
    {
        if (!file.Exists) throw AdminException.Invalid($"no such file: {file.FullName}");
        try
        {
            return JsonNode.Parse(File.ReadAllText(file.FullName))
                ?? throw new AdminException(AdminErrorKind.InvalidDeclaration, $"{file.FullName} holds JSON null.");
        }
        catch (JsonException e)
        {
            throw new AdminException(AdminErrorKind.InvalidDeclaration, $"{file.FullName} is not valid JSON: {e.Message.Split('\n')[0]}");
        }
    }
}
