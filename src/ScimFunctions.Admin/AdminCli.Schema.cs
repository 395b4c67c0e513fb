using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ScimFunctions.Administration;
using ScimFunctions.Protocol;
using ScimFunctions.Protocol.Schema;
using ScimFunctions.Storage.Tenants;

namespace ScimFunctions.Admin;

public static partial class AdminCli
{
    /// <summary>`schema declare|show|undeclared|roles`: a tenant's declared extensions, its choice for undeclared
    /// ones and the roles it offers (all through <see cref="TenantSchemaService"/>). Changes reach the SCIM
    /// endpoint within the settings cache window (30 s).</summary>
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
        declare.SetAction((parse, ct) => ChangeSchemaAsync(output, parse, ct,
            (service, tenant) => service.DeclareAsync(tenant, ReadJson(parse.GetValue(file)!), parse.GetValue(resourceType), ct)));

        var show = new Command("show", "Print the tenant's declaration (the whole-declaration JSON shape).") { Tenant };
        show.SetAction((parse, ct) => ChangeSchemaAsync(output, parse, ct, (service, tenant) => service.GetAsync(tenant, ct)));

        var mode = new Argument<UndeclaredExtensions>("mode") { Description = "Keep (the default: store undeclared extension attributes as sent) or Reject (400)." };
        var undeclared = new Command("undeclared", "Keep or reject attributes under extension URNs the tenant has not declared.") { Tenant, mode };
        undeclared.SetAction((parse, ct) => ChangeSchemaAsync(output, parse, ct,
            (service, tenant) => service.SetUndeclaredAsync(tenant, parse.GetValue(mode), ct)));

        var rolesFile = new Argument<FileInfo>("file") { Description = "JSON array of { \"value\", \"display\", \"type\" }: the roles listed at /Roles (replaces the list)." };
        var roles = new Command("roles", "Set the roles the tenant's application offers.") { Tenant, rolesFile };
        roles.SetAction((parse, ct) => ChangeSchemaAsync(output, parse, ct, (service, tenant) =>
        {
            var declaration = new JsonObject { ["roles"] = ReadJson(parse.GetValue(rolesFile)!).DeepClone() };
            return service.SetRolesAsync(tenant, TenantSchema.Read(declaration).Roles, ct);
        }));

        var reindex = new Command("reindex", "Write the index rows of declared unique/indexed attributes for resources written before the declaration "
            + "(run it 30 s after declaring). Exit code 1 when a value is claimed twice.") { Tenant };
        reindex.SetAction(async (parse, ct) =>
        {
            await using var services = await BuildAsync(parse);
            if (await services.GetRequiredService<TenantSchemaService>().ReindexAsync(TenantOf(parse), ct) is not { } result)
                throw AdminException.TenantNotFound(TenantOf(parse));
            await WriteAsync(output, parse, new { updated = result.Updated, conflicts = result.Conflicts },
                string.Join(Environment.NewLine, result.Conflicts.Prepend($"{result.Updated} resources re-indexed.")));
            return result.Conflicts.Count == 0 ? 0 : 1;
        });

        schema.Subcommands.Add(declare);
        schema.Subcommands.Add(reindex);
        schema.Subcommands.Add(show);
        schema.Subcommands.Add(undeclared);
        schema.Subcommands.Add(roles);
        return schema;
    }

    static async Task<int> ChangeSchemaAsync(TextWriter output, ParseResult parse, CancellationToken ct,
        Func<TenantSchemaService, TenantId, Task<TenantSchema?>> change)
    {
        await using var services = await BuildAsync(parse);
        TenantSchema? result;
        try
        {
            result = await change(services.GetRequiredService<TenantSchemaService>(), TenantOf(parse));
        }
        catch (ScimException e)
        {
            // A declaration that does not parse or validate: nothing was saved.
            await output.WriteLineAsync(parse.GetValue(Json) ? JsonSerializer.Serialize(new { error = e.Detail }) : $"error: {e.Detail}");
            return 1;
        }
        if (result is null) throw AdminException.TenantNotFound(TenantOf(parse));
        var declaration = result.Write();
        var summary = string.Join(Environment.NewLine, result.Extensions.Select(e => $"{e.ResourceType}\t{e.Schema.Id}\t{e.Schema.Attributes.Count} attributes")
            .Append($"Undeclared extensions: {result.Undeclared}").Append($"Roles: {string.Join(", ", result.Roles.Select(r => r.Value))}"));
        await WriteAsync(output, parse, declaration, summary);
        return 0;
    }

    static JsonNode ReadJson(FileInfo file)
    {
        if (!file.Exists) throw new ArgumentException($"No such file: {file.FullName}");
        try
        {
            return JsonNode.Parse(File.ReadAllText(file.FullName)) ?? throw new ArgumentException($"{file.FullName} holds JSON null.");
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"{file.FullName} is not valid JSON: {e.Message}");
        }
    }
}
