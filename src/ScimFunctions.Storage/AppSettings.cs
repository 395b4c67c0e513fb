namespace ScimFunctions.Storage;

/// <summary>
/// Every configuration key the code reads, as app-setting names (sections joined with "__", as Azure
/// app settings and environment variables spell them). The deployment template sets the required ones;
/// the infra tests compare the two lists so neither side can drift.
/// </summary>
public static class AppSettings
{
    /// <summary>Table endpoint reached with the managed identity, e.g. https://acct.table.core.windows.net.</summary>
    public const string StorageTableEndpoint = "Storage__TableEndpoint";

    /// <summary>Connection string (Azurite or a dev account). Used instead of the endpoint when set.</summary>
    public const string StorageConnectionString = "Storage__ConnectionString";

    /// <summary>Table name prefix (default "scim").</summary>
    public const string StorageTablePrefix = "Storage__TablePrefix";

    /// <summary>Key Vault URI for token hashes. When empty, the table-backed token store is used.</summary>
    public const string KeyVaultUri = "KeyVault__Uri";

    /// <summary>Seconds a validated token hash is cached in memory: the window in which a revocation takes effect.</summary>
    public const string TokenCacheSeconds = "Tokens__CacheSeconds";

    /// <summary>Read by the Azure SDK's DefaultAzureCredential: set to ManagedIdentityCredential in Azure, so a cold
    /// start goes straight to the managed identity instead of probing the whole credential chain.</summary>
    public const string AzureTokenCredentials = "AZURE_TOKEN_CREDENTIALS";

    /// <summary>NCRONTAB schedule of the maintenance timer (token expiry, audit retention).</summary>
    public const string MaintenanceSchedule = "MaintenanceSchedule";

    /// <summary>NCRONTAB schedule of the event delivery timer (one push sweep over every receiver).</summary>
    public const string EventDeliverySchedule = "EventDeliverySchedule";

    /// <summary>Largest accepted request body, in bytes.</summary>
    public const string MaxBodyBytes = "Limits__MaxBodyBytes";

    /// <summary>Largest page size a list request may ask for.</summary>
    public const string MaxPageSize = "Limits__MaxPageSize";

    /// <summary>Page size when the client gives no <c>count</c>.</summary>
    public const string DefaultPageSize = "Limits__DefaultPageSize";

    /// <summary>Most operations in one /Bulk request.</summary>
    public const string MaxBulkOperations = "Limits__MaxBulkOperations";

    /// <summary>Seconds an RFC 9865 paging cursor stays valid.</summary>
    public const string CursorTimeoutSeconds = "Limits__CursorTimeoutSeconds";

    /// <summary>Longest filter accepted.</summary>
    public const string MaxFilterLength = "Limits__MaxFilterLength";

    /// <summary>Deepest nesting of a filter (parentheses, not, value paths).</summary>
    public const string MaxFilterDepth = "Limits__MaxFilterDepth";

    /// <summary>Deepest JSON nesting of a request body.</summary>
    public const string MaxJsonDepth = "Limits__MaxJsonDepth";

    /// <summary>Most operations in one PATCH request.</summary>
    public const string MaxPatchOperations = "Limits__MaxPatchOperations";

    /// <summary>Most member ids one group PATCH may add or remove.</summary>
    public const string MaxMembersPerPatch = "Limits__MaxMembersPerPatch";

    /// <summary>CPU work steps one request may cause in filter and PATCH evaluation (400 tooMany beyond).</summary>
    public const string MaxWorkSteps = "Limits__MaxWorkSteps";

    /// <summary>Requests of one tenant served at once.</summary>
    public const string MaxConcurrentRequestsPerTenant = "Limits__MaxConcurrentRequestsPerTenant";

    /// <summary>Requests of one tenant waiting for a slot (429 beyond).</summary>
    public const string MaxQueuedRequestsPerTenant = "Limits__MaxQueuedRequestsPerTenant";

    /// <summary>Public origin for meta.location and Location (else the request's Host).</summary>
    public const string PublicBaseUrl = "Edge__PublicBaseUrl";

    /// <summary>First address of a proxy whose X-Forwarded-For is trusted (more: __1, __2, …).</summary>
    public const string TrustedProxy = "Edge__TrustedProxies__0";

    /// <summary>Seconds a request may run before it answers 503 (storage too slow).</summary>
    public const string RequestTimeoutSeconds = "Limits__RequestTimeoutSeconds";

    /// <summary>Days audit entries are kept before maintenance purges them.</summary>
    public const string AuditRetentionDays = "Audit__RetentionDays";

    /// <summary>Days change feed events are kept before maintenance purges them.</summary>
    public const string FeedRetentionDays = "Feed__RetentionDays";

    /// <summary>Push receivers on private, loopback and link-local addresses allowed (development and tests only;
    /// default false, and the template never sets it): <see cref="ScimFunctions.Events.ReceiverAddressPolicy"/>.</summary>
    public static readonly string EventsAllowPrivateReceivers = ScimFunctions.Events.ReceiverAddressPolicy.AllowPrivateSetting.Replace(":", "__", StringComparison.Ordinal);

    /// <summary>Settings the deployment template sets: the function app cannot serve without the first two.</summary>
    public static readonly IReadOnlyList<string> RequiredInAzure = [StorageTableEndpoint, KeyVaultUri, TokenCacheSeconds, MaintenanceSchedule, EventDeliverySchedule, AzureTokenCredentials];

    /// <summary>Optional settings: each has a default documented in the README.</summary>
    public static readonly IReadOnlyList<string> Optional = [StorageConnectionString, StorageTablePrefix, MaxBodyBytes, MaxPageSize, DefaultPageSize, CursorTimeoutSeconds, MaxBulkOperations,
        MaxFilterLength, MaxFilterDepth, MaxJsonDepth, MaxPatchOperations, MaxMembersPerPatch, RequestTimeoutSeconds, MaxWorkSteps,
        MaxConcurrentRequestsPerTenant, MaxQueuedRequestsPerTenant, PublicBaseUrl, TrustedProxy, AuditRetentionDays, FeedRetentionDays, EventsAllowPrivateReceivers];
}
