namespace StreamAttention.Scoring.Tests;

[CollectionDefinition(Name)]
public sealed class GloveScorerCollection : ICollectionFixture<GloveScorerFixture>
{
    public const string Name = "GloVe scorer";
}
