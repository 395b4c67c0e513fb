using System.CommandLine;
using ScimFunctions.Administration;

namespace ScimFunctions.Admin;

public static partial class AdminCli
{
    /// <summary>`users awaiting|activate`: Manual user activation (see `tenant settings --activation Manual`).</summary>
    static Command UsersCommands(TextWriter output)
    {
        var users = new Command("users", "Manual user activation: users created by SCIM that await an admin, and activating them.");
        var awaiting = new Command("awaiting", "List the tenant's users awaiting activation.") { Tenant };
        awaiting.SetAction((parse, ct) => WithCoreAsync(parse, async core =>
        {
            var list = await core.Activation.ListAwaitingUsersAsync(TenantOf(parse), ct);
            await WriteAsync(output, parse, list, Table(["ID", "USERNAME", "CREATED"], list.Select(u => new[] { u.Id, u.UserName, Time(u.Created) })));
            return Success;
        }));

        var user = new Option<string?>("--user") { Description = "Activate this user." };
        var all = new Option<bool>("--all") { Description = "Activate every user awaiting activation." };
        var activate = new Command("activate", "Activate one user (--user <id>) or all (--all); each gets a user.activated event.") { Tenant, user, all };
        activate.SetAction((parse, ct) => WithCoreAsync(parse, async core =>
        {
            if ((parse.GetValue(user) is not null) == parse.GetValue(all)) throw AdminException.Invalid("give exactly one of --user <id>, --all.");
            var tenant = TenantOf(parse);
            if (parse.GetValue(user) is { } id)
            {
                await core.Activation.ActivateUserAsync(tenant, id, Caller, ct);
                await WriteAsync(output, parse, new { activated = 1 }, $"User {id} is activated.");
                return Success;
            }
            var count = await core.Activation.ActivateAllUsersAsync(tenant, Caller, ct);
            await WriteAsync(output, parse, new { activated = count }, $"{count} users activated.");
            return Success;
        }));
        users.Subcommands.Add(awaiting);
        users.Subcommands.Add(activate);
        return users;
    }

    /// <summary>`group-roles list|map|unmap`: application roles that members of a group get (the read contract's effective roles).</summary>
    static Command GroupRolesCommands(TextWriter output)
    {
        var command = new Command("group-roles", "Map groups (by id or displayName) to application roles: their members get the role in the read contract.");
        var group = new Option<string>("--group") { Description = "The group's id, or its displayName (case-insensitive).", Required = true };
        var role = new Option<string>("--role") { Description = "The application role's value.", Required = true };
        var anyRole = new Option<string?>("--role") { Description = "Only this role (default: every role of the group)." };

        async Task<int> PrintAsync(ParseResult parse, IReadOnlyList<ScimFunctions.Contract.GroupRoleMapping> mappings)
        {
            await WriteAsync(output, parse, mappings, Table(["GROUP", "ROLE"], mappings.Select(m => new[] { m.Group, m.Role })));
            return Success;
        }

        var list = new Command("list", "List the tenant's group-to-role mappings.") { Tenant };
        list.SetAction((parse, ct) => WithCoreAsync(parse, async core => await PrintAsync(parse, await core.Tenants.ListGroupRolesAsync(TenantOf(parse), ct))));
        var map = new Command("map", "Give the group's members an application role.") { Tenant, group, role };
        map.SetAction((parse, ct) => WithCoreAsync(parse, async core =>
            await PrintAsync(parse, await core.Tenants.MapGroupRoleAsync(TenantOf(parse), parse.GetValue(group)!, parse.GetValue(role)!, Caller, ct))));
        var unmap = new Command("unmap", "Remove a group's mapping to a role (or to every role).") { Tenant, group, anyRole };
        unmap.SetAction((parse, ct) => WithCoreAsync(parse, async core =>
            await PrintAsync(parse, await core.Tenants.UnmapGroupRoleAsync(TenantOf(parse), parse.GetValue(group)!, parse.GetValue(anyRole), Caller, ct))));
        command.Subcommands.Add(list);
        command.Subcommands.Add(map);
        command.Subcommands.Add(unmap);
        return command;
    }
}
