using System.CommandLine;
using ScimFunctions.Administration;

namespace ScimFunctions.Admin;

public static partial class AdminCli
{
    /// <summary>`import tenant file [--apply]`: a dry-run report by default (exit 1 when a row conflicts or is
    /// invalid); with --apply the same plan is written, and refused when a row conflicts or is invalid.</summary>
    static Command ImportCommand(TextWriter output, TextWriter error)
    {
        var file = new Argument<FileInfo>("file") { Description = "CSV with a header (userName,emails,externalId,appKey; emails separated by ';') or a JSON array of the same." };
        var apply = new Option<bool>("--apply") { Description = "Write: create the new users and link the matched ones. Without it, only report." };
        var import = new Command("import", "Pre-create the application's existing users so the identity provider matches them instead of creating duplicates.") { Tenant, file, apply };
        import.SetAction((parse, ct) => WithCoreAsync(parse, async core =>
        {
            var tenant = TenantOf(parse);
            var path = parse.GetValue(file)!.FullName;
            if (!File.Exists(path)) throw AdminException.Invalid($"no such file: {path}");
            var rows = UserImport.Parse(path);
            await core.Tenants.GetAsync(tenant, ct);
            var importer = core.Import;
            var plan = await StorageGuard.RunAsync(() => importer.PlanAsync(tenant, rows, ct));
            var blocked = plan.Any(p => p.Action is ImportAction.Conflict or ImportAction.Invalid);
            var applied = parse.GetValue(apply) && !blocked;
            if (applied)
            {
                // Audited like SCIM writes, under one id for the whole run; progress on stderr every 500 rows.
                var progress = new ImportProgress(plan.Count, error);
                plan = await StorageGuard.RunAsync(() => importer.ApplyAsync(tenant, plan, Caller.Write("IMPORT Users"), ct, progress));
            }
            int Count(ImportAction action) => plan.Count(p => p.Action == action);
            var verdict = applied ? "Applied"
                : parse.GetValue(apply) ? "Refused: nothing written, fix the conflicts and invalid rows first"
                : "Dry run: nothing written" + (blocked ? "; fix the conflicts and invalid rows before --apply" : "; run again with --apply to import");
            var linking = plan.Count(p => p.Action == ImportAction.Match && !p.AlreadyLinked);
            var summary = applied
                ? $"{verdict}: {Count(ImportAction.Create)} created, {Count(ImportAction.Match)} matched existing users ({linking} newly linked), {Count(ImportAction.Failed)} failed."
                : $"{verdict}. {Count(ImportAction.Create)} to create, {Count(ImportAction.Match)} matching existing users ({linking} to link), "
                    + $"{Count(ImportAction.Conflict)} conflicts, {Count(ImportAction.Invalid)} invalid.";
            await WriteAsync(output, parse, new
            {
                tenant,
                applied,
                create = Count(ImportAction.Create),
                match = Count(ImportAction.Match),
                conflicts = Count(ImportAction.Conflict),
                invalid = Count(ImportAction.Invalid),
                failed = Count(ImportAction.Failed),
                rows = plan.Select(p => new
                {
                    line = p.Row.Line, userName = p.Row.UserName, appKey = p.Row.AppKey, action = p.Action.ToString().ToLowerInvariant(),
                    userId = p.UserId, matchedBy = p.MatchedBy, alreadyLinked = p.AlreadyLinked, detail = p.Detail,
                }),
            }, string.Join(Environment.NewLine, plan.Select(Describe).Append(summary)));
            return blocked || Count(ImportAction.Failed) > 0 ? Failure : Success;
        }));
        return import;
    }

    static string Describe(ImportItem p) => $"line {p.Row.Line}\t{p.Action.ToString().ToLowerInvariant()}\t{p.Row.UserName}\tappKey {p.Row.AppKey}\t" + p.Action switch
    {
        ImportAction.Create => p.UserId is null ? "new user" : $"created {p.UserId}",
        ImportAction.Match => $"existing user {p.UserId} (by {p.MatchedBy}){(p.AlreadyLinked ? ", already linked" : ", link appKey")}",
        _ => p.Detail,
    };

    /// <summary>Writes "imported n of m rows" every 500 rows and at the end, synchronously (in order, before the summary).</summary>
    sealed class ImportProgress(int total, TextWriter error) : IProgress<int>
    {
        public void Report(int done)
        {
            if (done % 500 == 0 || done == total) error.WriteLine($"imported {done} of {total} rows");
        }
    }
}
