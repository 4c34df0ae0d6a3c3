using Confluent.Kafka;
using StreamAttention.Ingest.Decoding;
using StreamAttention.Ingest.Options;

namespace StreamAttention.Ingest.Tests;

/// <summary>A message's tenant from its header and field: one tenant id, named the same wherever it is named, or a dead letter saying why not.</summary>
public sealed class MessageTenancyTests
{
    private const string Header = "tenant";

    private static readonly MessageTenancy Tenancy = new(new IngestTenancyOptions { Header = Header });

    [Theory]
    [InlineData(new byte[] { 0xff, 0xfe }, DeadLetterReasons.InvalidField)]
    [InlineData(new byte[] { 0x20 }, DeadLetterReasons.InvalidField)]
    [InlineData(new byte[0], DeadLetterReasons.InvalidField)]
    [InlineData(new byte[] { (byte)'a', (byte)'c', (byte)'m', (byte)'e', 0x20 }, DeadLetterReasons.UnknownTenant)]
    [InlineData(new byte[] { (byte)'.', (byte)'.' }, DeadLetterReasons.UnknownTenant)]
    public void A_tenant_header_that_is_no_tenant_id_is_a_dead_letter(byte[] header, string reason)
    {
        var resolved = Tenancy.Resolve(Decoded(tenant: null), Traffic.InputTopic, new Headers { { Header, header } });

        Assert.Equal((null, reason), (resolved.Message, resolved.Reason));
    }

    [Fact]
    public void Two_tenant_headers_must_name_one_tenant()
    {
        var same = Tenancy.Resolve(Decoded(tenant: null), Traffic.InputTopic, new Headers { { Header, "acme"u8.ToArray() }, { Header, "acme"u8.ToArray() } });
        var different = Tenancy.Resolve(Decoded(tenant: null), Traffic.InputTopic, new Headers { { Header, "acme"u8.ToArray() }, { Header, "globex"u8.ToArray() } });

        Assert.Equal("acme", same.Message?.Tenant);
        Assert.Equal((DeadLetterReasons.UnknownTenant, "the topic, header and field name different tenants: acme, globex"), (different.Reason, different.Detail));
    }

    [Theory]
    [InlineData("acme ")]
    [InlineData(".")]
    [InlineData("ac/me")]
    public void A_tenant_field_that_is_no_tenant_id_is_a_dead_letter_naming_the_pattern(string tenant)
    {
        var resolved = Tenancy.Resolve(Decoded(tenant), Traffic.InputTopic, headers: null);

        Assert.Equal(DeadLetterReasons.UnknownTenant, resolved.Reason);
        Assert.Equal($"'{tenant}' is not a tenant id: it must match {Contracts.Users.Ids.Pattern}", resolved.Detail);
    }

    private static DecodeResult Decoded(string? tenant)
        => DecodeResult.Ok(new IngestMessage("m", "kafka lag", tenant, null, null, null, null, "src"));
}
