using System.Net;

namespace ScimFunctions.Protocol;

/// <summary>The scimType values of RFC 7644 §3.12.</summary>
public static class ScimType
{
    public const string InvalidFilter = "invalidFilter";
    public const string TooMany = "tooMany";
    public const string Uniqueness = "uniqueness";
    public const string Mutability = "mutability";
    public const string InvalidSyntax = "invalidSyntax";
    public const string InvalidPath = "invalidPath";
    public const string NoTarget = "noTarget";
    public const string InvalidValue = "invalidValue";
    public const string InvalidVers = "invalidVers";
    public const string Sensitive = "sensitive";

    // RFC 9865 §2.3 (cursor paging).
    public const string InvalidCursor = "invalidCursor";
    public const string ExpiredCursor = "expiredCursor";
    public const string InvalidCount = "invalidCount";
}

/// <summary>
/// A failure the client must see as a SCIM error body (RFC 7644 §3.12). Thrown anywhere below the
/// HTTP layer; one place turns it into a response.
/// </summary>
public class ScimException(HttpStatusCode status, string? scimType, string detail) : Exception(detail)
{
    public HttpStatusCode Status { get; } = status;
    public string? ScimType { get; } = scimType;
    public string Detail => Message;

    public static ScimException BadRequest(string scimType, string detail) => new(HttpStatusCode.BadRequest, scimType, detail);
    public static ScimException NotFound(string detail) => new(HttpStatusCode.NotFound, null, detail);
    public static ScimException Conflict(string detail) => new(HttpStatusCode.Conflict, Protocol.ScimType.Uniqueness, detail);
    public static ScimException PreconditionFailed(string detail) => new(HttpStatusCode.PreconditionFailed, null, detail);
}
