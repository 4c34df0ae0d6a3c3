using System.Net;
using Microsoft.Extensions.Time.Testing;
using StreamAttention.Server.Security;

namespace StreamAttention.Dashboard.Tests;

/// <summary><see cref="ConnectionsPerAddress"/>: each address's open connections, with addresses the tests choose.</summary>
public sealed class ConnectionsPerAddressTests
{
    private static readonly IPAddress Held = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress Other = IPAddress.Parse("192.0.2.2");

    [Fact]
    public void An_address_holding_the_limit_is_refused_while_another_address_is_admitted()
    {
        var connections = new ConnectionsPerAddress(2, new FakeTimeProvider());

        Assert.True(connections.Open(Held).Admitted);
        Assert.True(connections.Open(Held).Admitted);
        Assert.False(connections.Open(Held).Admitted);
        Assert.True(connections.Open(Other).Admitted);
    }

    [Fact]
    public void A_closed_connection_frees_its_place()
    {
        var connections = new ConnectionsPerAddress(1, new FakeTimeProvider());

        var first = connections.Open(Held);
        Assert.False(connections.Open(Held).Admitted);
        connections.Close(first.Group);
        Assert.True(connections.Open(Held).Admitted);
    }

    [Fact]
    public void An_address_with_no_connection_open_and_no_refusal_logged_is_not_kept()
    {
        var connections = new ConnectionsPerAddress(2, new FakeTimeProvider());

        var admissions = new[] { connections.Open(Held), connections.Open(Held), connections.Open(Other) };
        Assert.Equal(2, connections.AddressesKept);
        foreach (var admission in admissions)
        {
            connections.Close(admission.Group);
        }
        Assert.Equal(0, connections.AddressesKept);
    }

    [Fact]
    public void Refusals_of_one_address_are_logged_once_per_interval_each_address_on_its_own()
    {
        var time = new FakeTimeProvider();
        var connections = new ConnectionsPerAddress(1, time);
        connections.Open(Held);
        connections.Open(Other);

        Assert.True(connections.Open(Held).LogRefusal);
        Assert.False(connections.Open(Held).LogRefusal);
        Assert.True(connections.Open(Other).LogRefusal);
        time.Advance(ConnectionsPerAddress.RefusalLogInterval - TimeSpan.FromSeconds(1));
        Assert.False(connections.Open(Held).LogRefusal);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(connections.Open(Held).LogRefusal);
    }

    [Fact]
    public void An_address_refused_and_closed_is_forgotten_once_its_log_interval_is_over()
    {
        var time = new FakeTimeProvider();
        var connections = new ConnectionsPerAddress(1, time);
        var held = connections.Open(Held);
        connections.Open(Held);
        connections.Close(held.Group);
        Assert.Equal(1, connections.AddressesKept);

        time.Advance(ConnectionsPerAddress.RefusalLogInterval);
        var other = connections.Open(Other);
        connections.Open(Other);
        connections.Close(other.Group);

        // Other's refusal was logged now and keeps it; Held's is over, so Held is gone.
        Assert.Equal(1, connections.AddressesKept);
    }

    [Fact]
    public void An_IPv4_mapped_IPv6_address_counts_as_its_IPv4_address()
    {
        var connections = new ConnectionsPerAddress(1, new FakeTimeProvider());

        Assert.True(connections.Open(Held).Admitted);
        Assert.False(connections.Open(Held.MapToIPv6()).Admitted);
        Assert.Equal("192.0.2.1", ConnectionsPerAddress.GroupOf(Held.MapToIPv6()));
    }

    [Fact]
    public void IPv6_addresses_count_by_their_64_bit_prefix()
    {
        var connections = new ConnectionsPerAddress(1, new FakeTimeProvider());

        Assert.True(connections.Open(IPAddress.Parse("2001:db8:1:2::1")).Admitted);
        Assert.False(connections.Open(IPAddress.Parse("2001:db8:1:2:abcd:ef01:2345:6789")).Admitted);
        Assert.True(connections.Open(IPAddress.Parse("2001:db8:1:3::1")).Admitted);
        Assert.Equal("2001:db8:1:2::/64", ConnectionsPerAddress.GroupOf(IPAddress.Parse("2001:db8:1:2:abcd:ef01:2345:6789")));
    }
}
