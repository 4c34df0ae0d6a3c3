using StreamAttention.Contracts.Scoring;
using StreamAttention.Contracts.Users;

namespace StreamAttention.Server.Apis;

/// <summary>PUT body of an interest; a missing threshold means the configured default, missing lists no keyword rules.</summary>
public sealed record InterestBody(string? Text, float? Threshold = null, IReadOnlyList<string?>? Require = null, IReadOnlyList<string?>? Exclude = null);

public sealed record UserInterests(string UserId, IReadOnlyList<StoredInterest> Interests);

/// <summary>
/// One line of a bulk import (JSON Lines): an interest of the user, or the user's delivery policy (<paramref name="Policy"/>,
/// as <c>PUT …/policy</c> takes it, with no interest fields), so a user's export (its interests and policy) imports whole.
/// </summary>
public sealed record ImportLineBody(string? UserId, string? Id, string? Text, float? Threshold = null, IReadOnlyList<string?>? Require = null, IReadOnlyList<string?>? Exclude = null,
    PolicyBody? Policy = null);

/// <summary>
/// <c>POST /score</c>'s body. <paramref name="SourceIds"/>, one per text, name each text in the caller's source (e.g. its
/// own message ids): a text sent again under the same source id gets the same match ids, so its users' decisions are
/// the first ones (a retried request notifies nobody twice). Null: new matches every request.
/// </summary>
public sealed record ScoreBody(IReadOnlyList<string?>? Texts, string? UserId = null, IReadOnlyList<string?>? SourceIds = null);

public sealed record ScoreResponse(IReadOnlyList<TextMatch> Matches);

public sealed record UserMatches(string UserId, IReadOnlyList<UserMatch> Matches);
