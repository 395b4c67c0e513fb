using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;
using ScimFunctions.Contract;
using System.Text.Json;
using System.Text.Json.Nodes;
using ScimFunctions.Protocol;
using ScimFunctions.Protocol.Resources;
using ScimFunctions.Storage.Audit;
using ScimFunctions.Storage.Tables;

namespace ScimFunctions.Storage.Tenants;

/// <summary>What a held deprovisioning would do once released: delete the user (as the tenant's deprovision
/// setting says then), or set it <c>active: false</c>.</summary>
public enum HeldAction { Delete, Disable }

/// <summary>A user's deprovisioning held by the brake.</summary>
public sealed record HeldDeprovisioning(string UserId, string UserName, HeldAction Action, DateTimeOffset HeldAt, string RequestId, string Client);

/// <summary>The brake of a tenant: whether it holds, since when, and the deprovisionings counted in the current window.</summary>
public sealed record BrakeState(bool Engaged, DateTimeOffset? EngagedAt, int InWindow);

/// <summary>
/// The brake on mass deprovisioning. Each user delete or deactivation is counted in the tenant's <c>brake</c> row (a
/// sliding window estimated from two fixed windows, the usual rate-limit approximation; one read and one conditional
/// write, so every instance counts into the same row). Past the tenant's threshold the brake engages and stays engaged
/// until the admin releases or discards what it held: the requests are answered as applied (Entra must neither retry
/// nor quarantine the job), the user is left as it is and a <c>held|{user}</c> row records the action, in the same
/// transaction as its audit entry (outcome <c>held</c>).
/// </summary>
public sealed class DeprovisionBrake(ScimTables tables, ResourceStore resources, MembershipStore membership, TimeProvider time)
{
    readonly TableClient _table = tables.Resources;

    /// <summary>Concurrent deprovisionings of one tenant retry the counter's conditional write.</summary>
    const int MaxAttempts = 32;

    /// <summary>Counts one deprovisioning; true when it must be held (the brake is, or now becomes, engaged).
    /// A counted request that then fails is still counted: the brake errs toward holding.</summary>
    public async Task<bool> ShouldHoldAsync(TenantSettings settings, CancellationToken ct)
    {
        if (settings.BrakeThreshold <= 0) return false;
        var window = TimeSpan.FromMinutes(Math.Max(1, settings.BrakeWindowMinutes));
        for (var attempt = 1; ; attempt++)
        {
            var row = await ReadAsync(settings.Tenant, ct);
            if (row?.GetBoolean("Engaged") == true) return true;
            var now = time.GetUtcNow();
            var (start, current, previous) = Roll(row, now, window);
            var estimate = current + previous * (1 - (now - start) / window);
            var engage = estimate + 1 > settings.BrakeThreshold;
            var next = Row(settings.Tenant, start, engage ? current : current + 1, previous, engage ? now : null);
            try
            {
                if (row is null) await _table.AddEntityAsync(next, ct);
                else await _table.UpdateEntityAsync(next, row.ETag, TableUpdateMode.Replace, ct);
                return engage;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 && attempt < MaxAttempts)
            {
                await Task.Delay(Random.Shared.Next(1, 5 * attempt), ct);
            }
        }
    }

    /// <summary>Records the held deprovisioning of <paramref name="user"/> with its audit entry, in one transaction.
    /// A later hold of the same user replaces it (the latest request is what the client wants).</summary>
    public async Task HoldAsync(TenantId tenant, StoredResource user, HeldAction action, WriteContext write, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var held = new TableEntity(tenant, RowKeys.Held(user.Id))
        {
            ["Action"] = action.ToString(), ["HeldAt"] = now, ["UserName"] = ScimJson.GetString(user.Document, "userName") ?? "",
            ["RequestId"] = write.RequestId, ["Client"] = write.Client,
        };
        List<TableTransactionAction> actions = [new(TableTransactionActionType.UpsertReplace, held), AuditLog.Entry(tenant, write, "User", user.Id, now, "held")];
        try
        {
            await _table.SubmitTransactionAsync(actions, ct);
        }
        catch (TableTransactionFailedException e) when (e.Status == 409 && e.FailedTransactionActionIndex == 1)
        {
            // The audit row's key is this request's own: an earlier attempt committed and its response was lost.
        }
        write.MarkCommitted();
    }

    public async Task<BrakeState> StateAsync(TenantId tenant, CancellationToken ct)
    {
        var row = await ReadAsync(tenant, ct);
        return new BrakeState(row?.GetBoolean("Engaged") == true, row?.GetDateTimeOffset("EngagedAt"), row?.GetInt32("Current") ?? 0);
    }

    /// <summary>The held deprovisionings, in user id order.</summary>
    public async IAsyncEnumerable<HeldDeprovisioning> ListAsync(TenantId tenant, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var row in _table.QueryAsync<TableEntity>(RowKeys.RangeFilter(tenant, RowKeys.HeldPrefix), cancellationToken: ct))
        {
            yield return new HeldDeprovisioning(row.RowKey[RowKeys.HeldPrefix.Length..], row.GetString("UserName") ?? "",
                Enum.TryParse<HeldAction>(row.GetString("Action"), out var a) ? a : HeldAction.Delete,
                row.GetDateTimeOffset("HeldAt") ?? default, row.GetString("RequestId") ?? "", row.GetString("Client") ?? "");
        }
    }

    /// <summary>Applies a held deprovisioning now, as the SCIM request would have (audited and in the change feed with
    /// <paramref name="write"/>'s operation), then drops the held row. A user deleted meanwhile is just dropped.</summary>
    public async Task ReleaseAsync(TenantSettings settings, HeldDeprovisioning held, WriteContext write, CancellationToken ct)
    {
        var tenant = settings.Tenant;
        for (var attempt = 1; ; attempt++)
        {
            if (await resources.GetAsync(tenant, ResourceKind.User, held.UserId, ct) is not { } user) break;
            try
            {
                if (held.Action == HeldAction.Disable)
                {
                    if (IsInactive(user.Document)) break;
                    var document = user.Document.DeepClone().AsObject();
                    ScimJson.Set(document, "active", false);
                    await resources.ReplaceAsync(tenant, user, document, write, ct);
                    break;
                }
                await membership.RemoveUserFromAllGroupsAsync(tenant, user, write, ct);
                if (settings.Deprovision == DeprovisionMode.Disable) await resources.SoftDeleteAsync(tenant, user, write, ct);
                else await resources.DeleteAsync(tenant, user, write, ct);
                break;
            }
            catch (ConcurrencyConflictException) when (attempt < MaxAttempts)
            {
            }
        }
        await DropAsync(tenant, held.UserId, ct);
    }

    /// <summary>Drops a held deprovisioning without applying it: the user stays as it is.</summary>
    public Task DropAsync(TenantId tenant, string userId, CancellationToken ct) =>
        _table.DeleteEntityAsync(tenant, RowKeys.Held(userId), ETag.All, ct);

    /// <summary>Disengages the brake once nothing is held any more, with a fresh window: the admin has seen and decided.
    /// Returns whether it did.</summary>
    public async Task<bool> DisengageIfClearAsync(TenantId tenant, CancellationToken ct)
    {
        await foreach (var _ in _table.QueryAsync<TableEntity>(RowKeys.RangeFilter(tenant, RowKeys.HeldPrefix), maxPerPage: 1, select: ["RowKey"], cancellationToken: ct))
            return false;
        await _table.UpsertEntityAsync(Row(tenant, time.GetUtcNow(), 0, 0, engagedAt: null), TableUpdateMode.Replace, ct);
        return true;
    }

    /// <summary>A document saying <c>active: false</c> (what a deactivation writes).</summary>
    public static bool IsInactive(JsonObject document) => ScimJson.Get(document, "active") is JsonValue v && v.GetValueKind() == JsonValueKind.False;

    async Task<TableEntity?> ReadAsync(TenantId tenant, CancellationToken ct)
    {
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(tenant, RowKeys.DeprovisionBrake, cancellationToken: ct);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>The window containing <paramref name="now"/> (aligned to its length), with the counts carried over.</summary>
    static (DateTimeOffset Start, int Current, int Previous) Roll(TableEntity? row, DateTimeOffset now, TimeSpan window)
    {
        var start = new DateTimeOffset(now.UtcTicks - now.UtcTicks % window.Ticks, TimeSpan.Zero);
        var stored = row?.GetDateTimeOffset("WindowStart");
        var current = row?.GetInt32("Current") ?? 0;
        if (stored == start) return (start, current, row?.GetInt32("Previous") ?? 0);
        return stored == start - window ? (start, 0, current) : (start, 0, 0);
    }

    static TableEntity Row(TenantId tenant, DateTimeOffset start, int current, int previous, DateTimeOffset? engagedAt)
    {
        var row = new TableEntity(tenant, RowKeys.DeprovisionBrake)
        {
            ["WindowStart"] = start, ["Current"] = current, ["Previous"] = previous, ["Engaged"] = engagedAt is not null,
        };
        if (engagedAt is not null) row["EngagedAt"] = engagedAt;
        return row;
    }
}
