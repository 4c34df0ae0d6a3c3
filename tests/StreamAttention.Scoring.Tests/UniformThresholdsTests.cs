namespace StreamAttention.Scoring.Tests;

public sealed class UniformThresholdsTests
{
    [Fact]
    public void The_same_value_and_count_give_the_same_array_and_a_new_value_or_count_a_new_one()
    {
        var uniform = new UniformThresholds();

        var first = uniform.Of(0.25f, 5);

        Assert.Equal(Enumerable.Repeat(0.25f, 5), first);
        Assert.Same(first, uniform.Of(0.25f, 5));
        var otherValue = uniform.Of(-1f, 5);
        Assert.Equal(Enumerable.Repeat(-1f, 5), otherValue);
        var otherCount = uniform.Of(-1f, 7);
        Assert.Equal(Enumerable.Repeat(-1f, 7), otherCount);
        Assert.Same(otherCount, uniform.Of(-1f, 7));
        Assert.Empty(uniform.Of(0.5f, 0));
    }
}
