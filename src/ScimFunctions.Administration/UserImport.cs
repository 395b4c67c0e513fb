using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure;
using ScimFunctions.Contract;
using ScimFunctions.Protocol;
using ScimFunctions.Protocol.Resources;
using ScimFunctions.Protocol.Schema;
using ScimFunctions.Storage.Audit;
using ScimFunctions.Storage.Tables;

namespace ScimFunctions.Administration;

/// <summary>One user of an import file: the application's existing account.</summary>
public sealed record ImportRow(int Line, string? UserName, IReadOnlyList<string> Emails, string? ExternalId, string? AppKey);

/// <summary>What the import does (or would do) with a row.</summary>
public enum ImportAction
{
    /// <summary>No existing user matches: a user is created, linked to the appKey.</summary>
    Create,

    /// <summary>An existing user matches (by userName, or by email): it is linked to the appKey if not already.</summary>
    Match,

    /// <summary>The row contradicts another row or an existing user: nothing is written while any row conflicts.</summary>
    Conflict,

    /// <summary>The row is malformed (missing userName or appKey, bad email): nothing is written while any row is invalid.</summary>
    Invalid,

    /// <summary>With --apply: the write failed (for example the identity provider created the userName meanwhile).</summary>
    Failed,
}

/// <summary>The plan (or outcome) for one row.</summary>
public sealed record ImportItem(ImportRow Row, ImportAction Action, string? UserId = null, string? MatchedBy = null, bool AlreadyLinked = false, string? Detail = null);

/// <summary>
/// Pre-creates the application's existing users before provisioning is switched on, so that Entra's first
/// cycle finds them (its <c>userName eq</c> or <c>emails[type eq "work"].value eq</c> query) instead of
/// creating duplicates, and links each to the application's own key (the <c>AppKey</c> row property, readable
/// through ScimFunctions.Directory). Planning reads only; applying writes through ResourceStore, so users get
/// their index rows, audit entries and change feed events like any other.
/// </summary>
public sealed class UserImport(ResourceStore store)
{
    const int ReadParallelism = 16;

    /// <summary>Rows written at a time: one transaction each, in the tenant's one partition.</summary>
    const int WriteParallelism = 8;

    /// <summary>Reads a CSV file with a header row (userName, emails separated by ';', externalId, appKey) or a
    /// JSON array of objects with the same names (emails as an array or a ';'-separated string).</summary>
    public static IReadOnlyList<ImportRow> Parse(string path)
    {
        var text = File.ReadAllText(path);
        return text.TrimStart().StartsWith('[') ? ParseJson(text) : ParseCsv(text);
    }

    static IReadOnlyList<ImportRow> ParseJson(string text)
    {
        JsonArray array;
        try
        {
            array = JsonNode.Parse(text) as JsonArray ?? throw AdminException.Invalid("The JSON file must hold an array of users.");
        }
        catch (JsonException e)
        {
            throw AdminException.Invalid($"The JSON file is malformed: {e.Message}");
        }
        return [.. array.Select((node, i) =>
        {
            var o = node as JsonObject ?? [];
            string? S(string name) => ScimJson.Get(o, name) is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
            var emails = ScimJson.Get(o, "emails") switch
            {
                JsonArray list => list.Select(e => e is JsonValue v && v.TryGetValue<string>(out var s) ? s : "").ToList(),
                JsonValue v when v.TryGetValue<string>(out var s) => SplitEmails(s),
                _ => [],
            };
            return new ImportRow(i + 1, S("userName"), emails, S("externalId"), S("appKey"));
        })];
    }

    static IReadOnlyList<ImportRow> ParseCsv(string text)
    {
        var records = CsvRecords(text).ToList();
        if (records.Count == 0) throw AdminException.Invalid("The CSV file is empty: it needs a header row (userName,emails,externalId,appKey).");
        var header = records[0].Fields.Select(h => h.Trim()).ToList();
        int Column(string name) => header.FindIndex(h => h.Equals(name, StringComparison.OrdinalIgnoreCase));
        var known = new[] { "userName", "emails", "externalId", "appKey" };
        if (header.FirstOrDefault(h => !known.Contains(h, StringComparer.OrdinalIgnoreCase)) is { } unknown)
            throw AdminException.Invalid($"Unknown CSV column '{unknown}': the columns are {string.Join(", ", known)}.");
        if (Column("userName") < 0 || Column("appKey") < 0) throw AdminException.Invalid("The CSV header needs the columns userName and appKey.");
        string? Field(List<string> fields, string name) =>
            Column(name) is var c and >= 0 && c < fields.Count && fields[c].Trim() is { Length: > 0 } value ? value : null;
        return [.. records.Skip(1).Where(r => r.Fields.Any(f => f.Trim().Length > 0)).Select(r =>
            new ImportRow(r.Line, Field(r.Fields, "userName"), SplitEmails(Field(r.Fields, "emails") ?? ""), Field(r.Fields, "externalId"), Field(r.Fields, "appKey")))];
    }

    static List<string> SplitEmails(string value) => [.. value.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];

    /// <summary>RFC 4180 records: quoted fields may hold commas, doubled quotes and line breaks.</summary>
    static IEnumerable<(int Line, List<string> Fields)> CsvRecords(string text)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        int line = 1, start = 1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else { if (c == '\n') line++; field.Append(c); }
                continue;
            }
            switch (c)
            {
                case '"': quoted = true; break;
                case ',': fields.Add(field.ToString()); field.Clear(); break;
                case '\r': break;
                case '\n':
                    fields.Add(field.ToString());
                    field.Clear();
                    yield return (start, fields);
                    fields = [];
                    start = ++line;
                    break;
                default: field.Append(c); break;
            }
        }
        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            yield return (start, fields);
        }
    }

    /// <summary>Decides every row against the file and the tenant's users, reading only.</summary>
    public async Task<IReadOnlyList<ImportItem>> PlanAsync(TenantId tenant, IReadOnlyList<ImportRow> rows, CancellationToken ct)
    {
        var items = new ImportItem?[rows.Count];
        for (var i = 0; i < rows.Count; i++)
            if (Invalid(rows[i]) is { } reason) items[i] = new ImportItem(rows[i], ImportAction.Invalid, Detail: reason);

        // Conflicts inside the file: the same userName, email or appKey on two rows.
        var valid = Enumerable.Range(0, rows.Count).Where(i => items[i] is null).ToList();
        void Duplicates(string what, Func<ImportRow, IEnumerable<string>> values, StringComparer comparer)
        {
            foreach (var group in valid.SelectMany(i => values(rows[i]).Distinct(comparer).Select(v => (v, i))).GroupBy(p => p.v, comparer).Where(g => g.Count() > 1))
                foreach (var (value, i) in group)
                    items[i] ??= new ImportItem(rows[i], ImportAction.Conflict, Detail:
                        $"{what} {value} is also on line(s) {string.Join(", ", group.Where(p => p.i != i).Select(p => rows[p.i].Line))}");
        }
        Duplicates("userName", r => [r.UserName!], StringComparer.OrdinalIgnoreCase);
        Duplicates("email", r => r.Emails, StringComparer.OrdinalIgnoreCase);
        Duplicates("appKey", r => [r.AppKey!], StringComparer.Ordinal);

        // Against the tenant's users: point reads and short index ranges, a few rows at a time.
        await Parallel.ForEachAsync(valid.Where(i => items[i] is null), new ParallelOptions { MaxDegreeOfParallelism = ReadParallelism, CancellationToken = ct },
            async (i, token) => items[i] = await DecideAsync(tenant, rows[i], token));

        // Two rows matching the same existing user.
        foreach (var group in items.Where(x => x is { Action: ImportAction.Match }).GroupBy(x => x!.UserId).Where(g => g.Count() > 1))
            foreach (var item in group)
                items[Array.IndexOf(items, item)] = item! with { Action = ImportAction.Conflict, Detail = $"another row matches the same existing user {item.UserId}" };
        return [.. items.Select(x => x!)];
    }

    async Task<ImportItem> DecideAsync(TenantId tenant, ImportRow row, CancellationToken ct)
    {
        var byName = await store.FindIdByClaimAsync(tenant, RowKeys.UserName(row.UserName!), ct);
        var owners = new HashSet<string>(StringComparer.Ordinal);
        foreach (var email in row.Emails)
        {
            var ids = await store.FindIdsByPrefixAsync(tenant, RowKeys.UserEmailPrefix(email), ct);
            if (ids.Distinct().Count() > 1) return Conflict($"email {email} is shared by existing users {string.Join(", ", ids.Distinct())}");
            owners.UnionWith(ids);
        }
        string? target;
        string? matchedBy;
        if (byName is not null)
        {
            if (owners.FirstOrDefault(o => o != byName) is { } other)
                return Conflict($"userName matches existing user {byName}, but an email belongs to another existing user {other}");
            (target, matchedBy) = (byName, "userName");
        }
        else if (owners.Count > 1) return Conflict($"the emails belong to several existing users: {string.Join(", ", owners)}");
        else (target, matchedBy) = owners.Count == 1 ? (owners.Single(), "email") : (null, null);

        if (await store.FindIdByClaimAsync(tenant, RowKeys.UserAppKey(row.AppKey!), ct) is { } holder && holder != target)
            return Conflict($"appKey {row.AppKey} is already linked to existing user {holder}");
        if (target is null) return new ImportItem(row, ImportAction.Create);
        var existing = await store.GetAsync(tenant, ResourceKind.User, target, ct);
        if (existing is null) return Conflict($"the matching user {target} was deleted meanwhile; run the import again");
        if (existing.AppKey is { } linked && linked != row.AppKey) return Conflict($"existing user {target} is already linked to appKey {linked}");
        return new ImportItem(row, ImportAction.Match, target, matchedBy, AlreadyLinked: existing.AppKey is not null);

        ImportItem Conflict(string detail) => new(row, ImportAction.Conflict, Detail: detail);
    }

    static string? Invalid(ImportRow row)
    {
        if (string.IsNullOrWhiteSpace(row.UserName)) return "userName is missing";
        if (string.IsNullOrWhiteSpace(row.AppKey)) return "appKey is missing";
        if (row.Emails.FirstOrDefault(e => !LooksLikeEmail(e)) is { } bad) return $"'{bad}' is not an email address";
        return null;
    }

    static bool LooksLikeEmail(string value) =>
        value.IndexOf('@') is > 0 and var at && at < value.Length - 1 && value.IndexOf('@', at + 1) < 0 && !value.Any(char.IsWhiteSpace);

    /// <summary>Writes a plan without conflicts: creates the new users and links the matched ones, a few rows at a time
    /// (the plan has no two rows touching one user, userName, email owner or appKey). A row that fails (a concurrent
    /// change) is reported and the others go on; running the import again is safe. <paramref name="progress"/> gets
    /// the count of rows done, 1, 2, … in order, one call at a time. The results keep the plan's order.</summary>
    public async Task<IReadOnlyList<ImportItem>> ApplyAsync(TenantId tenant, IReadOnlyList<ImportItem> plan, WriteContext write, CancellationToken ct,
        IProgress<int>? progress = null)
    {
        if (plan.Any(p => p.Action is ImportAction.Conflict or ImportAction.Invalid))
            throw new InvalidOperationException("The plan has conflicts or invalid rows.");
        var results = new ImportItem[plan.Count];
        var done = 0;
        var gate = new Lock();
        await Parallel.ForEachAsync(Enumerable.Range(0, plan.Count), new ParallelOptions { MaxDegreeOfParallelism = WriteParallelism, CancellationToken = ct },
            async (i, token) =>
            {
                var item = plan[i];
                try
                {
                    results[i] = item.Action == ImportAction.Create
                        ? item with { UserId = (await store.CreateAsync(tenant, ResourceKind.User, Document(item.Row), write, token, appKey: item.Row.AppKey)).Id }
                        : await LinkAsync(tenant, item, write, token);
                }
                catch (Exception e) when (e is ScimException or RequestFailedException or StorageOutcomeException)
                {
                    results[i] = item with { Action = ImportAction.Failed, Detail = e.Message };
                }
                lock (gate) progress?.Report(++done);
            });
        return results;
    }

    async Task<ImportItem> LinkAsync(TenantId tenant, ImportItem item, WriteContext write, CancellationToken ct)
    {
        if (item.AlreadyLinked) return item;
        var user = await store.GetAsync(tenant, ResourceKind.User, item.UserId!, ct) ?? throw ScimException.NotFound($"User {item.UserId} was deleted meanwhile.");
        await store.LinkAppKeyAsync(tenant, user, item.Row.AppKey!, write, ct);
        return item;
    }

    /// <summary>The SCIM document Entra's queries find: userName, and the emails as "work" (the first primary),
    /// since Entra matches on <c>emails[type eq "work"].value</c>.</summary>
    static JsonObject Document(ImportRow row)
    {
        var document = new JsonObject
        {
            ["schemas"] = new JsonArray(ScimUrns.User),
            ["userName"] = row.UserName,
            ["active"] = true,
        };
        if (row.Emails.Count > 0)
            document["emails"] = new JsonArray([.. row.Emails.Select((e, i) => (JsonNode)new JsonObject { ["value"] = e, ["type"] = "work", ["primary"] = i == 0 })]);
        if (row.ExternalId is not null) document["externalId"] = row.ExternalId;
        return ResourceNormalizer.Normalize(ScimSchemas.UserType, document).Document;
    }
}
