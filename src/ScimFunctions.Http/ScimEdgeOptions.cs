using System.Net;

namespace ScimFunctions.Http;

/// <summary>How the service sees the network edge (configuration section <c>Edge</c>).</summary>
public sealed record ScimEdgeOptions
{
    /// <summary>The public origin clients use (<c>https://scim.contoso.com</c>). When set, <c>meta.location</c>
    /// and <c>Location</c> are built from it rather than from the request's Host header.</summary>
    public string? PublicBaseUrl { get; init; }

    /// <summary>The origin Tenant URLs are built on: <see cref="PublicBaseUrl"/>, else as the client reached us.</summary>
    public string Origin(Microsoft.AspNetCore.Http.HttpContext http) => PublicBaseUrl is { Length: > 0 } origin
        ? origin.TrimEnd('/')
        : $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}";

    /// <summary>Addresses of the proxies in front of the service (the Functions host forwards from loopback).
    /// Only a connection from one of them may name the client in X-Forwarded-For; otherwise the header is
    /// ignored, so a client cannot pick the address the failed-attempt limit counts against.</summary>
    public string[] TrustedProxies { get; init; } = [];

    /// <summary>The client's address: the connection's, or the last X-Forwarded-For entry (the one the
    /// trusted proxy appended) when the connection comes from a trusted proxy.</summary>
    public string ClientAddress(Microsoft.AspNetCore.Http.HttpContext http)
    {
        var remote = http.Connection.RemoteIpAddress;
        if (remote is null) return "unknown";
        if (remote.IsIPv4MappedToIPv6) remote = remote.MapToIPv4();
        if (TrustedProxies.Length > 0 && TrustedProxies.Any(p => IPAddress.TryParse(p, out var proxy) && proxy.Equals(remote))
            && http.Request.Headers["X-Forwarded-For"].ToString().Split(',').LastOrDefault()?.Trim() is { Length: > 0 } forwarded
            && IPAddress.TryParse(forwarded, out var client))
            return client.ToString();
        return remote.ToString();
    }
}
