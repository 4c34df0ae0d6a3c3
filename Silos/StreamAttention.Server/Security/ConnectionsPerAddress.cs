using System.Net;
using System.Net.Sockets;

namespace StreamAttention.Server.Security;

/// <summary>
/// The connections each client address holds open, at most <see cref="Limit"/> each: <see cref="Open"/> admits one or
/// refuses it, <see cref="Close"/> frees an admitted one's place. An IPv4-mapped IPv6 address counts as its IPv4
/// address; an IPv6 address counts with the rest of its /64, which one host or one site is given whole and can pick its
/// addresses from (privacy extensions alone make several), so that a /64 takes no more places than one IPv4 address.
/// Only addresses with open connections are kept, and one whose refusal was logged: it goes when its last connection
/// closes after <see cref="RefusalLogInterval"/>, or else at the first refusal logged once the interval is over.
/// </summary>
public sealed class ConnectionsPerAddress(int limit, TimeProvider time)
{
    /// <summary>How often a refusal of one address is to be logged at most: a client retrying at once floods no log.</summary>
    public static readonly TimeSpan RefusalLogInterval = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, Holder> _holders = new(StringComparer.Ordinal);

    public int Limit => limit;

    /// <summary>Addresses (IPv6: /64 prefixes) kept: those with open connections and those whose refusal was logged (see the class).</summary>
    public int AddressesKept
    {
        get
        {
            lock (_holders)
            {
                return _holders.Count;
            }
        }
    }

    /// <summary>Admits a connection from <paramref name="address"/>, or refuses it when its group holds the limit.</summary>
    public Admission Open(IPAddress address)
    {
        var group = GroupOf(address);
        lock (_holders)
        {
            if (!_holders.TryGetValue(group, out var holder))
            {
                _holders[group] = holder = new Holder();
            }
            if (holder.Open < limit)
            {
                holder.Open++;
                return new Admission(group, Admitted: true, LogRefusal: false);
            }
            var now = time.GetTimestamp();
            var log = !holder.RefusalLoggedWithin(now, time);
            if (log)
            {
                holder.RefusalLogged = now;
                ForgetIdleHolders(now);
            }
            return new Admission(group, Admitted: false, LogRefusal: log);
        }
    }

    /// <summary>Frees the place of a connection <see cref="Open"/> admitted in <paramref name="group"/>.</summary>
    public void Close(string group)
    {
        lock (_holders)
        {
            var holder = _holders[group];
            holder.Open--;
            if (holder.Open == 0 && !holder.RefusalLoggedWithin(time.GetTimestamp(), time))
            {
                _holders.Remove(group);
            }
        }
    }

    /// <summary>The address itself (IPv4, a mapped one as IPv4), or an IPv6 address's /64 prefix.</summary>
    public static string GroupOf(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    /// <summary>Holders with no connection whose refusal was logged longer ago than the interval: a logged refusal is rare, so they go then.</summary>
    private void ForgetIdleHolders(long now)
    {
        foreach (var (group, holder) in _holders)
        {
            if (holder.Open == 0 && !holder.RefusalLoggedWithin(now, time))
            {
                _holders.Remove(group);
            }
        }
    }

    /// <summary>Whether a connection was admitted (in <see cref="Group"/>, what <see cref="Close"/> takes) and, if refused, whether to log it.</summary>
    public readonly record struct Admission(string Group, bool Admitted, bool LogRefusal);

    private sealed class Holder
    {
        public int Open;

        /// <summary>The timestamp of the refusal last logged, if any.</summary>
        public long? RefusalLogged;

        public bool RefusalLoggedWithin(long now, TimeProvider time)
            => RefusalLogged is { } logged && time.GetElapsedTime(logged, now) < RefusalLogInterval;
    }
}
