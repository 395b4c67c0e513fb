using System.CommandLine;
using System.Globalization;
using System.Xml;
using ScimFunctions.Administration;

namespace ScimFunctions.Admin;

public static partial class AdminCli
{
    /// <summary><c>portal link|list|revoke|rotate-key</c>: signed links to a tenant's self-service page.</summary>
    static Command PortalCommands(TextWriter output)
    {
        var portal = new Command("portal", "The self-service page: signed, short-lived, single-tenant links for the tenant's admin.");
        var expiresIn = new Option<TimeSpan?>("--expires-in")
        {
            Description = "How long the link can be opened: 30m, 2h, 1d or an ISO 8601 duration (default 30m, at most 24h).",
            CustomParser = result =>
            {
                var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
                if (ParseDuration(text) is { } value) return value;
                result.AddError($"--expires-in must be a duration such as 30m, 2h, 1d or PT45M (got '{text}').");
                return null;
            },
        };

        var link = new Command("link", "Print a link to the tenant's page (the URL is a secret until it expires; hand it to the tenant's admin).") { Tenant, expiresIn };
        link.SetAction((parse, ct) => WithCoreAsync(parse, async core =>
        {
            var made = await core.Portal.CreateAsync(TenantOf(parse), parse.GetValue(BaseUrl)!, parse.GetValue(expiresIn), Caller, ct);
            await WriteAsync(output, parse, new { id = made.Id, url = made.Url, expires = made.Expires },
                $"{made.Url}\n\nLink {made.Id}: opens the page of tenant {made.Tenant} until {Time(made.Expires)}; a session lasts "
                + $"{core.Portal.Options.SessionLifetime.TotalMinutes:0} minutes. Revoke it with `portal revoke {made.Tenant} --id {made.Id}`.");
            return Success;
        }));

        var list = new Command("list", "List the tenant's page links (never the URL).") { Tenant };
        list.SetAction((parse, ct) => WithCoreAsync(parse, async core =>
        {
            var links = await core.Portal.ListAsync(TenantOf(parse), ct);
            var now = DateTimeOffset.UtcNow;
            await WriteAsync(output, parse, links.Select(l => new { l.Id, l.Created, l.Expires, state = l.StateAt(now), l.CreatedBy }),
                Table(["ID", "STATE", "CREATED", "EXPIRES", "BY"], links.Select(l => new[] { l.Id, l.StateAt(now), Time(l.Created), Time(l.Expires), l.CreatedBy })));
            return Success;
        }));

        var linkId = new Option<string?>("--id") { Description = "Revoke only this link (see `portal list`)." };
        var revoke = new Command("revoke", "Revoke the tenant's page links (all, or one with --id): they no longer open, and their sessions end at once.") { Tenant, linkId };
        revoke.SetAction((parse, ct) => WithCoreAsync(parse, async core =>
        {
            var count = await core.Portal.RevokeAsync(TenantOf(parse), parse.GetValue(linkId), Caller, ct);
            await WriteAsync(output, parse, new { revoked = count }, $"{count} link(s) revoked; their sessions end with their next request.");
            return Success;
        }));

        var retire = new Option<bool>("--retire-previous") { Description = "Also retire the previous keys now: every outstanding link and session ends." };
        var rotate = new Command("rotate-key", "Sign new links with a new key (Key Vault secret scim-portal-link-key); earlier links keep working until they expire.") { retire };
        rotate.SetAction((parse, ct) => WithCoreAsync(parse, async core =>
        {
            var id = await core.Portal.RotateKeyAsync(parse.GetValue(retire), ct);
            await WriteAsync(output, parse, new { keyId = id }, $"New page link key {id}." + (parse.GetValue(retire) ? " Previous keys retired: every earlier link and session is refused." : ""));
            return Success;
        }));

        foreach (var c in new[] { link, list, revoke, rotate }) portal.Subcommands.Add(c);
        return portal;
    }

    /// <summary>30m, 2h, 1d, 90s, or an ISO 8601 duration (PT45M).</summary>
    static TimeSpan? ParseDuration(string text)
    {
        if (text.Length > 1 && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n > 0)
            return char.ToLowerInvariant(text[^1]) switch
            {
                's' => TimeSpan.FromSeconds(n),
                'm' => TimeSpan.FromMinutes(n),
                'h' => TimeSpan.FromHours(n),
                'd' => TimeSpan.FromDays(n),
                _ => null,
            };
        try
        {
            return text.StartsWith('P') ? XmlConvert.ToTimeSpan(text) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
