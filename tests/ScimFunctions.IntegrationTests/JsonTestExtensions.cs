namespace ScimFunctions.IntegrationTests;

/// <summary>Typed reads of a response's members: `json.GetString("id")` for `json["id"]!.GetValue&lt;string&gt;()`,
/// failing with the whole document when the member is missing.</summary>
public static class JsonTestExtensions
{
    public static JsonNode Required(this JsonNode node, string name) =>
        node[name] ?? throw new KeyNotFoundException($"No \"{name}\" in {node.ToJsonString()}");

    public static JsonNode Required(this JsonNode node, int index) =>
        node[index] ?? throw new KeyNotFoundException($"No element {index} in {node.ToJsonString()}");

    public static JsonArray GetArray(this JsonNode node, string name) => node.Required(name).AsArray();
    public static string Id(this JsonNode resource) => resource.GetString("id");
    public static string GetString(this JsonNode node, string name) => node.Required(name).GetValue<string>();
    public static string GetString(this JsonNode node, int index) => node.Required(index).GetValue<string>();
    public static int GetInt32(this JsonNode node, string name) => node.Required(name).GetValue<int>();
    public static long GetInt64(this JsonNode node, string name) => node.Required(name).GetValue<long>();
    public static bool GetBoolean(this JsonNode node, string name) => node.Required(name).GetValue<bool>();
}
