using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace ScimFunctions.Protocol.Resources;

/// <summary>The SCIM error body (RFC 7644 §3.12): status is a string.</summary>
public static class ScimErrorDocument
{
    public static JsonObject Create(HttpStatusCode status, string? scimType, string detail)
    {
        var error = new JsonObject
        {
            ["schemas"] = new JsonArray(ScimUrns.Error),
            ["status"] = ((int)status).ToString(CultureInfo.InvariantCulture),
        };
        if (scimType is not null) error["scimType"] = scimType;
        error["detail"] = detail;
        return error;
    }
}
