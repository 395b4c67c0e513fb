namespace ScimFunctions.IntegrationTests;

/// <summary>The SCIM request bodies the tests send (imported into every test file by the project's global usings).</summary>
public static class ScimBodies
{
    /// <summary>A PatchOp request with these operations.</summary>
    public static JsonObject Patch(params JsonObject[] operations) => new() { ["schemas"] = new JsonArray(ScimUrns.PatchOp), ["Operations"] = new JsonArray(operations) };

    /// <summary>One PATCH operation; a null path or value is left out.</summary>
    public static JsonObject Op(string op, string? path, JsonNode? value = null)
    {
        var operation = new JsonObject { ["op"] = op };
        if (path is not null) operation["path"] = path;
        if (value is not null) operation["value"] = value;
        return operation;
    }

    /// <summary>Member references: [{"value": id}, …].</summary>
    public static JsonArray Refs(params IEnumerable<string> ids) => new([.. ids.Select(id => (JsonNode)new JsonObject { ["value"] = id })]);
}
