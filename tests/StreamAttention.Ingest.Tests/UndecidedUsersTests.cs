using StreamAttention.Contracts.Scoring;
using StreamAttention.Contracts.Users;
using StreamAttention.Ingest.Decoding;
using StreamAttention.Ingest.Pipeline;

namespace StreamAttention.Ingest.Tests;

/// <summary>A message's matches split into the decided ones, published, and the users whose grains could not decide, each dead-lettered once.</summary>
public sealed class UndecidedUsersTests
{
    private static readonly Guid Zoe = Guid.NewGuid();

    [Fact]
    public void Matches_all_decided_are_published_as_they_are()
    {
        List<TextMatch> matches = [Match("acme/alice", DeliveryKinds.Immediate), Match("acme/bob", DeliveryKinds.Deferred)];

        var (decided, undecided) = UndecidedUsers.Split(matches);

        Assert.Same(matches, decided);
        Assert.Null(undecided);
    }

    [Fact]
    public void Each_undecided_user_is_named_once_within_the_messages_tenant_with_its_error_and_incarnation()
    {
        List<TextMatch> matches =
        [
            Match("acme/zoe", DeliveryKinds.Undecided, "OrleansException: cannot activate", Zoe),
            Match("acme/alice", DeliveryKinds.Immediate),
            Match("acme/zoe", DeliveryKinds.Undecided, "OrleansException: cannot activate", Zoe),
            Match("acme/bob", DeliveryKinds.Undecided, "IOException: log not written"),
        ];

        var (decided, undecided) = UndecidedUsers.Split(matches);

        Assert.Equal(["acme/alice"], decided.Select(m => m.UserId));
        Assert.Equal(2, undecided!.Count);
        Assert.Equal([("bob", "IOException: log not written", null), ("zoe", "OrleansException: cannot activate", Zoe)], undecided.Of(Message("acme")));
    }

    [Fact]
    public void A_tenant_less_users_id_is_its_key()
    {
        var (_, undecided) = UndecidedUsers.Split([Match("alice", DeliveryKinds.Undecided, "error", Zoe)]);

        Assert.Equal([("alice", "error", (Guid?)Zoe)], undecided!.Of(Message(tenant: null)));
    }

    /// <summary>
    /// A replayed dead letter that fails again keeps the incarnation it was written for, or none, whatever the user's
    /// shard holds now: a dead letter never moves to another incarnation.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_replayed_messages_dead_letter_keeps_the_incarnation_it_carried(bool carried)
    {
        var written = Guid.NewGuid();
        var (_, undecided) = UndecidedUsers.Split([Match("alice", DeliveryKinds.Undecided, "error", Zoe)]);

        var replayed = Message(tenant: null) with { User = "alice", ReplayedForItsUser = true, DeadLetteredFor = carried ? written : null };

        Assert.Equal([("alice", "error", carried ? written : null)], undecided!.Of(replayed));
    }

    private static TextMatch Match(string userId, string delivery, string? error = null, Guid? incarnation = null)
        => new(0, userId, "db", 0.8f, [], "id", delivery, DecisionError: error, Incarnation: incarnation);

    private static IngestMessage Message(string? tenant) => new("m", Texts.DatabaseMessage, tenant, User: null, Timestamp: null, Attributes: null, Embedding: null, Origin: "input/0/0");
}
