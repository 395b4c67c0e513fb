using System.Net;
using System.Net.Sockets;

namespace ScimFunctions.Events;

/// <summary>A receiver's host names or is an address the service does not push to (<see cref="ReceiverAddressPolicy"/>).
/// The message is readable as is: the host, the address and its range, never the SET or the secret.</summary>
public sealed class ReceiverAddressRefusedException(string message) : Exception(message);

/// <summary>
/// Where push receivers may be, against server-side request forgery: a tenant's admin chooses the receiver URL (the
/// page, the CLI, the admin core), so without this rule the service would POST into its own network (the Azure
/// instance metadata service at 169.254.169.254, the virtual network's private endpoints, this machine). The one
/// definition of the blocked ranges (<see cref="BlockedRangeOf"/>), used at registration (<see cref="RefusalAsync"/>,
/// the early, readable refusal) and at every connection (<see cref="ConnectAsync"/>, the push client's
/// <see cref="SocketsHttpHandler.ConnectCallback"/>: it resolves the name itself and connects to the address it vetted,
/// so a name that resolves elsewhere after registration, DNS rebinding, is refused too).
/// </summary>
/// <param name="allowPrivate"><see cref="AllowPrivateSetting"/>: any address, for local development and the tests,
/// which deliver to receivers on 127.0.0.1. Off unless configured; the deployment template never sets it.</param>
public sealed class ReceiverAddressPolicy(bool allowPrivate)
{
    /// <summary>The setting that turns the rule off (app setting <c>Events__AllowPrivateReceivers</c>), default false.</summary>
    public const string AllowPrivateSetting = "Events:AllowPrivateReceivers";

    public bool AllowPrivate => allowPrivate;

    /// <summary>Ranges that are not the public internet, with what they are (RFC 6890's special-purpose registries,
    /// plus Azure's platform address). IPv6 forms that embed an IPv4 address are judged by it (<see cref="Embedded"/>).</summary>
    static readonly (IPNetwork Range, string Kind)[] Blocked =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "unspecified"),
        (IPNetwork.Parse("10.0.0.0/8"), "private"),
        (IPNetwork.Parse("100.64.0.0/10"), "carrier-grade NAT"),
        (IPNetwork.Parse("127.0.0.0/8"), "loopback"),
        // Link-local holds the cloud's instance metadata service (169.254.169.254: the managed identity's tokens).
        (IPNetwork.Parse("169.254.0.0/16"), "link-local"),
        (IPNetwork.Parse("172.16.0.0/12"), "private"),
        (IPNetwork.Parse("192.0.0.0/24"), "special-purpose"),
        (IPNetwork.Parse("192.168.0.0/16"), "private"),
        (IPNetwork.Parse("198.18.0.0/15"), "benchmarking"),
        (IPNetwork.Parse("224.0.0.0/4"), "multicast"),
        (IPNetwork.Parse("240.0.0.0/4"), "reserved"),
        // Azure's virtual public address for the platform (DNS, health probes, the VM agent): reachable from every VM.
        (IPNetwork.Parse("168.63.129.16/32"), "Azure platform"),
        (IPNetwork.Parse("::/128"), "unspecified"),
        (IPNetwork.Parse("::1/128"), "loopback"),
        (IPNetwork.Parse("::/96"), "IPv4-compatible"),
        (IPNetwork.Parse("64:ff9b:1::/48"), "local-use NAT64"),
        (IPNetwork.Parse("fc00::/7"), "unique local"),
        (IPNetwork.Parse("fe80::/10"), "link-local"),
        (IPNetwork.Parse("fec0::/10"), "site-local"),
        (IPNetwork.Parse("ff00::/8"), "multicast"),
    ];

    static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96"), SixToFour = IPNetwork.Parse("2002::/16");

    /// <summary>The blocked range <paramref name="address"/> is in, as "the private range 10.0.0.0/8", or null for a public address.</summary>
    public static string? BlockedRangeOf(IPAddress address)
    {
        if (Embedded(address) is { } inner) return BlockedRangeOf(inner);
        foreach (var (range, kind) in Blocked)
            if (range.Contains(address)) return $"the {kind} range {range}";
        return null;
    }

    /// <summary>The IPv4 address inside an IPv4-mapped (::ffff:0:0/96), NAT64 (64:ff9b::/96) or 6to4 (2002::/16)
    /// address: the connection ends there.</summary>
    static IPAddress? Embedded(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) return address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return null;
        var bytes = address.GetAddressBytes();
        if (Nat64.Contains(address)) return new IPAddress(bytes.AsSpan(12, 4));
        if (SixToFour.Contains(address)) return new IPAddress(bytes.AsSpan(2, 4));
        return null;
    }

    /// <summary>Registration: why the service would not push to <paramref name="url"/>'s host (it resolves the name,
    /// as a connection would), or null when it would. A name that does not resolve is refused: it cannot be vetted.</summary>
    public async Task<string?> RefusalAsync(Uri url, CancellationToken ct)
    {
        if (allowPrivate) return null;
        try
        {
            await VetAsync(url.IdnHost, ct);
            return null;
        }
        catch (ReceiverAddressRefusedException e)
        {
            return e.Message;
        }
        catch (SocketException e)
        {
            return $"The receiver's host {url.IdnHost} does not resolve ({e.SocketErrorCode}): give a name that resolves to a public address.";
        }
    }

    /// <summary>The push client's <see cref="SocketsHttpHandler.ConnectCallback"/>: resolves the host, refuses it when
    /// any of its addresses is blocked (<see cref="ReceiverAddressRefusedException"/>, inside the
    /// <see cref="HttpRequestException"/> the client sees), else connects to the addresses it vetted.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var addresses = await VetAsync(context.DnsEndPoint.Host, ct);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The host's addresses (an address literal is itself), refused whole when one of them is blocked: a name
    /// whose answers mix public and private addresses could be connected to either.</summary>
    async Task<IPAddress[]> VetAsync(string host, CancellationToken ct)
    {
        var isLiteral = IPAddress.TryParse(host, out var literal);
        var addresses = isLiteral ? [literal!] : await Dns.GetHostAddressesAsync(host, ct);
        if (allowPrivate) return addresses;
        foreach (var address in addresses)
            if (BlockedRangeOf(address) is { } range)
                throw new ReceiverAddressRefusedException((isLiteral ? $"The receiver's address {address} is in {range}" : $"The receiver's host {host} resolves to {address}, in {range}")
                    + ": events are pushed only to public internet addresses.");
        return addresses;
    }
}
