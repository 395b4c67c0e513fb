using Microsoft.AspNetCore.Http;

namespace ScimFunctions.Http;

/// <summary>The operations of one resource type's endpoints (RFC 7644 §3), for the routes and anything that
/// dispatches operations by resource type.</summary>
public interface IResourceHandlers
{
    Task<IResult> ListAsync(ScimRequest request);
    Task<IResult> SearchAsync(ScimRequest request);
    Task<IResult> CreateAsync(ScimRequest request);
    Task<IResult> GetAsync(ScimRequest request, string id);
    Task<IResult> ReplaceAsync(ScimRequest request, string id);
    Task<IResult> PatchAsync(ScimRequest request, string id);
    Task<IResult> DeleteAsync(ScimRequest request, string id);
}
