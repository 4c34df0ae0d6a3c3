namespace StreamAttention.Contracts.Users;

/// <summary>Why the input at <see cref="Index"/> of a write was rejected.</summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.InterestError")]
public sealed record InterestError(int Index, string Field, string Message)
{
    /// <summary>The field of an error that a tenant's quota caused, not the input.</summary>
    public const string QuotaField = "quota";
}
