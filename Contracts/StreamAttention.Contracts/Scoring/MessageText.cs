namespace StreamAttention.Contracts.Scoring;

/// <summary>A message to filter.</summary>
public sealed record MessageText(string Id, string Text);
