using Azure.Core;
using Azure.Core.Pipeline;

namespace ScimFunctions.Storage;

/// <summary>
/// An extra Azure SDK pipeline policy for the table clients, registered in DI by whoever needs one (the
/// reliability tests register their fault injector this way). Production registers none. Each runs per retry,
/// after the request counter, so what it does counts as the storage attempts it stands for.
/// </summary>
public sealed record StoragePipelinePolicy(HttpPipelinePolicy Policy);
