using System.CommandLine;
using ScimFunctions.Administration;

namespace ScimFunctions.Admin;

public static partial class AdminCli
{
    /// <summary>`held list|release|discard`: the deprovisioning brake's held deletes and deactivations.</summary>
    static Command HeldCommands(TextWriter output)
    {
        var held = new Command("held", "The deprovisioning brake: user deletes and deactivations held past the tenant's threshold (see `tenant settings --brake`).");
        var list = new Command("list", "Show the brake's state and the held deprovisionings.") { Tenant };
        list.SetAction((parse, ct) => WithCoreAsync(parse, async core =>
        {
            var report = await core.Brake.ListAsync(TenantOf(parse), ct);
            var state = report.State.Engaged
                ? $"Brake engaged since {Time(report.State.EngagedAt ?? default)}: {report.Held.Count} deprovisioning(s) held. Release or discard them to disengage it."
                : report.Threshold == 0 ? "Brake off." : $"Brake not engaged ({report.State.InWindow} deprovisionings in the current window; threshold {report.Threshold} per {report.WindowMinutes} min).";
            await WriteAsync(output, parse, new { engaged = report.State.Engaged, engagedAt = report.State.EngagedAt, threshold = report.Threshold,
                    windowMinutes = report.WindowMinutes, held = report.Held.Select(h => new { userId = h.UserId, h.UserName, action = h.Action.ToString(), h.HeldAt, h.RequestId, h.Client }) },
                state + (report.Held.Count == 0 ? "" : "\n" + Table(["USER", "USERNAME", "ACTION", "HELD AT", "CLIENT"],
                    report.Held.Select(h => new[] { h.UserId, h.UserName, h.Action.ToString(), Time(h.HeldAt), h.Client }))));
            return Success;
        }));

        Command Decide(string name, string description, bool release)
        {
            var user = new Option<string?>("--user") { Description = $"{name[..1].ToUpperInvariant() + name[1..]} this user's held deprovisioning." };
            var all = new Option<bool>("--all") { Description = $"{name[..1].ToUpperInvariant() + name[1..]} every held deprovisioning." };
            var command = new Command(name, description) { Tenant, user, all };
            command.SetAction((parse, ct) => WithCoreAsync(parse, async core =>
            {
                var userId = parse.GetValue(user);
                if ((userId is not null) == parse.GetValue(all)) throw AdminException.Invalid("give exactly one of --user <id>, --all.");
                var tenant = TenantOf(parse);
                var count = release ? await core.Brake.ReleaseAsync(tenant, userId, Caller, ct) : await core.Brake.DiscardAsync(tenant, userId, Caller, ct);
                var left = (await core.Brake.ListAsync(tenant, ct)).Held.Count;
                await WriteAsync(output, parse, new { tenant, released = release ? count : 0, discarded = release ? 0 : count, held = left },
                    $"{count} held deprovisioning(s) {(release ? "applied" : "discarded")}. " + (left == 0 ? "Nothing is held; the brake is disengaged." : $"{left} still held."));
                return Success;
            }));
            return command;
        }

        held.Subcommands.Add(list);
        held.Subcommands.Add(Decide("release", "Apply held deprovisionings (--user <id> or --all) as the SCIM requests asked.", release: true));
        held.Subcommands.Add(Decide("discard", "Drop held deprovisionings (--user <id> or --all): the users stay as they are.", release: false));
        return held;
    }
}
