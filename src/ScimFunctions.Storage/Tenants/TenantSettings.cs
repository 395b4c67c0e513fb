using ScimFunctions.Protocol;

namespace ScimFunctions.Storage.Tenants;

public enum DeprovisionMode { Delete, Disable }

public enum OperationMode { Sync, DryRun }

public sealed record TenantSettings(TenantId Tenant, DeprovisionMode Deprovision, OperationMode Mode, DateTimeOffset Created);
