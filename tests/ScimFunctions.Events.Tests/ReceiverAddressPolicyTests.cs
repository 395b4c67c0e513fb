using System.Net;
using ScimFunctions.Events;

namespace ScimFunctions.Events.Tests;

/// <summary>The push receivers' address rule: each blocked range at both of its edges and the addresses just outside
/// them, IPv6 forms that carry an IPv4 address, and the registration check on literals and names.</summary>
public sealed class ReceiverAddressPolicyTests
{
    [Theory]
    [InlineData("0.0.0.0", "unspecified range 0.0.0.0/8")]
    [InlineData("0.255.255.255", "unspecified range 0.0.0.0/8")]
    [InlineData("10.0.0.0", "private range 10.0.0.0/8")]
    [InlineData("10.255.255.255", "private range 10.0.0.0/8")]
    [InlineData("100.64.0.0", "carrier-grade NAT range 100.64.0.0/10")]
    [InlineData("100.127.255.255", "carrier-grade NAT range 100.64.0.0/10")]
    [InlineData("127.0.0.1", "loopback range 127.0.0.0/8")]
    [InlineData("127.255.255.255", "loopback range 127.0.0.0/8")]
    [InlineData("169.254.0.0", "link-local range 169.254.0.0/16")]
    [InlineData("169.254.169.254", "link-local range 169.254.0.0/16")]
    [InlineData("169.254.255.255", "link-local range 169.254.0.0/16")]
    [InlineData("172.16.0.0", "private range 172.16.0.0/12")]
    [InlineData("172.31.255.255", "private range 172.16.0.0/12")]
    [InlineData("192.0.0.0", "special-purpose range 192.0.0.0/24")]
    [InlineData("192.0.0.255", "special-purpose range 192.0.0.0/24")]
    [InlineData("192.168.0.0", "private range 192.168.0.0/16")]
    [InlineData("192.168.255.255", "private range 192.168.0.0/16")]
    [InlineData("198.18.0.0", "benchmarking range 198.18.0.0/15")]
    [InlineData("198.19.255.255", "benchmarking range 198.18.0.0/15")]
    [InlineData("224.0.0.0", "multicast range 224.0.0.0/4")]
    [InlineData("239.255.255.255", "multicast range 224.0.0.0/4")]
    [InlineData("240.0.0.0", "reserved range 240.0.0.0/4")]
    [InlineData("255.255.255.255", "reserved range 240.0.0.0/4")]
    [InlineData("168.63.129.16", "Azure platform range 168.63.129.16/32")]
    public void Blocked_IPv4_addresses_name_their_range(string address, string range) =>
        Assert.Equal("the " + range, ReceiverAddressPolicy.BlockedRangeOf(IPAddress.Parse(address)));

    [Theory]
    [InlineData("1.0.0.0")]
    [InlineData("8.8.8.8")]
    [InlineData("9.255.255.255")]
    [InlineData("11.0.0.0")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.0")]
    [InlineData("126.255.255.255")]
    [InlineData("128.0.0.0")]
    [InlineData("168.63.129.15")]
    [InlineData("168.63.129.17")]
    [InlineData("169.253.255.255")]
    [InlineData("169.255.0.0")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.0")]
    [InlineData("191.255.255.255")]
    [InlineData("192.0.1.0")]
    [InlineData("192.167.255.255")]
    [InlineData("192.169.0.0")]
    [InlineData("198.17.255.255")]
    [InlineData("198.20.0.0")]
    [InlineData("223.255.255.255")]
    public void Public_IPv4_addresses_just_outside_the_ranges_are_allowed(string address) =>
        Assert.Null(ReceiverAddressPolicy.BlockedRangeOf(IPAddress.Parse(address)));

    [Theory]
    [InlineData("::", "unspecified range ::/128")]
    [InlineData("::1", "loopback range ::1/128")]
    [InlineData("::2", "IPv4-compatible range ::/96")]
    [InlineData("::ffff", "IPv4-compatible range ::/96")]
    [InlineData("::a00:1", "IPv4-compatible range ::/96")]
    [InlineData("64:ff9b:1::", "local-use NAT64 range 64:ff9b:1::/48")]
    [InlineData("64:ff9b:1:ffff:ffff:ffff:ffff:ffff", "local-use NAT64 range 64:ff9b:1::/48")]
    [InlineData("fc00::", "unique local range fc00::/7")]
    [InlineData("fd00::1", "unique local range fc00::/7")]
    [InlineData("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "unique local range fc00::/7")]
    [InlineData("fe80::", "link-local range fe80::/10")]
    [InlineData("fe80::1%2", "link-local range fe80::/10")]
    [InlineData("febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "link-local range fe80::/10")]
    [InlineData("fec0::", "site-local range fec0::/10")]
    [InlineData("feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "site-local range fec0::/10")]
    [InlineData("ff00::", "multicast range ff00::/8")]
    [InlineData("ff02::1", "multicast range ff00::/8")]
    public void Blocked_IPv6_addresses_name_their_range(string address, string range) =>
        Assert.Equal("the " + range, ReceiverAddressPolicy.BlockedRangeOf(IPAddress.Parse(address)));

    [Theory]
    [InlineData("2001:4860:4860::8888")]
    [InlineData("2603:1000::1")]
    [InlineData("fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]
    [InlineData("fe00::")]
    [InlineData("fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]
    [InlineData("64:ff9a:ffff:ffff:ffff:ffff:ffff:ffff")]
    [InlineData("64:ff9b:2::")]
    public void Public_IPv6_addresses_are_allowed(string address) =>
        Assert.Null(ReceiverAddressPolicy.BlockedRangeOf(IPAddress.Parse(address)));

    /// <summary>IPv4-mapped, NAT64 and 6to4 addresses end at the IPv4 address they carry: judged by it.</summary>
    [Theory]
    [InlineData("::ffff:10.0.0.1", "private range 10.0.0.0/8")]
    [InlineData("::ffff:127.0.0.1", "loopback range 127.0.0.0/8")]
    [InlineData("::ffff:169.254.169.254", "link-local range 169.254.0.0/16")]
    [InlineData("::ffff:0.0.0.0", "unspecified range 0.0.0.0/8")]
    [InlineData("::ffff:100.64.0.1", "carrier-grade NAT range 100.64.0.0/10")]
    [InlineData("64:ff9b::a00:1", "private range 10.0.0.0/8")]
    [InlineData("64:ff9b::a9fe:a9fe", "link-local range 169.254.0.0/16")]
    [InlineData("2002:c0a8:101::1", "private range 192.168.0.0/16")]
    [InlineData("2002:7f00:1::", "loopback range 127.0.0.0/8")]
    public void IPv6_forms_of_blocked_IPv4_addresses_are_blocked(string address, string range) =>
        Assert.Equal("the " + range, ReceiverAddressPolicy.BlockedRangeOf(IPAddress.Parse(address)));

    [Theory]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("::ffff:9.255.255.255")]
    [InlineData("::ffff:11.0.0.0")]
    [InlineData("64:ff9b::808:808")]
    [InlineData("2002:808:808::1")]
    public void IPv6_forms_of_public_IPv4_addresses_are_allowed(string address) =>
        Assert.Null(ReceiverAddressPolicy.BlockedRangeOf(IPAddress.Parse(address)));

    static readonly ReceiverAddressPolicy Strict = new(allowPrivate: false);

    [Theory]
    [InlineData("https://10.0.0.1/events", "The receiver's address 10.0.0.1 is in the private range 10.0.0.0/8")]
    [InlineData("https://169.254.169.254/metadata/identity/oauth2/token", "The receiver's address 169.254.169.254 is in the link-local range 169.254.0.0/16")]
    [InlineData("https://[fd00::1]/", "The receiver's address fd00::1 is in the unique local range fc00::/7")]
    [InlineData("https://[::ffff:192.168.1.1]:8443/", "is in the private range 192.168.0.0/16")]
    [InlineData("http://127.0.0.1:8080/", "The receiver's address 127.0.0.1 is in the loopback range 127.0.0.0/8")]
    // A name is resolved as a connection would resolve it: localhost is in /etc/hosts, so this needs no network.
    [InlineData("https://localhost/events", "The receiver's host localhost resolves to 127.0.0.1, in the loopback range 127.0.0.0/8")]
    // .invalid never resolves (RFC 6761): what cannot be vetted is refused.
    [InlineData("https://receiver.invalid/", "The receiver's host receiver.invalid does not resolve")]
    public async Task Registration_refuses_private_literals_and_names_readably(string url, string refusal)
    {
        var message = await Strict.RefusalAsync(new Uri(url), CancellationToken.None);
        Assert.NotNull(message);
        Assert.Contains(refusal, message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://8.8.8.8/events")]
    [InlineData("https://[2001:4860:4860::8888]/")]
    public async Task Registration_accepts_public_literals(string url) =>
        Assert.Null(await Strict.RefusalAsync(new Uri(url), CancellationToken.None));

    [Theory]
    [InlineData("http://127.0.0.1:8080/")]
    [InlineData("https://169.254.169.254/")]
    [InlineData("https://receiver.invalid/")]
    public async Task With_private_receivers_allowed_nothing_is_refused_or_resolved(string url) =>
        Assert.Null(await new ReceiverAddressPolicy(allowPrivate: true).RefusalAsync(new Uri(url), CancellationToken.None));
}
