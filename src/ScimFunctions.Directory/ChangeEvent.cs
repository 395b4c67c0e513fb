using System.Text.Json.Nodes;
using ScimFunctions.Contract;

namespace ScimFunctions.Directory;

/// <summary>
/// One provisioning event of a tenant's change feed, as <see cref="ChangeFeedReader"/> returns it: the
/// <see cref="FeedEvent"/> the service wrote (its properties and their meaning: see there and
/// docs/integrating.md), with the event as stored in <see cref="Json"/>. Events say what changed, not the whole
/// resource: read the current state with <see cref="DirectoryReader"/> when you need it.
/// </summary>
public sealed record ChangeEvent : FeedEvent
{
    /// <summary>An empty event (for tests of an application's handling).</summary>
    public ChangeEvent()
    {
    }

    ChangeEvent(JsonObject json) : base(json) => Json = json;

    /// <summary>The event as stored, including properties of a newer schema this library does not know.</summary>
    public JsonObject Json { get; init; } = [];

    /// <summary>Reads a stored event. Unknown properties are kept in <see cref="Json"/>.</summary>
    public static ChangeEvent Parse(string json) =>
        new(JsonNode.Parse(json) as JsonObject ?? throw new FormatException("A change event is a JSON object."));
}
