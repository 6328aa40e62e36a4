using ExclusiveOperations.Operations;
using Microsoft.Extensions.Time.Testing;

namespace ExclusiveOperations.Tests;

/// <summary><c>wait</c>'s sub-second remainder: waited by an activity on the injected clock, never more than a second.</summary>
public sealed class WaitRemainderActivityTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task It_returns_once_the_remainder_has_passed_and_not_before()
    {
        var waiting = new WaitRemainderActivity(_time).RunAsync(null!, TimeSpan.FromMilliseconds(700));

        _time.Advance(TimeSpan.FromMilliseconds(699));
        Assert.False(waiting.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(await waiting);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1001)]
    public async Task A_remainder_outside_zero_to_a_second_is_refused(int milliseconds)
    {
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => new WaitRemainderActivity(_time).RunAsync(null!, TimeSpan.FromMilliseconds(milliseconds)));
        Assert.Contains("durable timers", error.Message);
    }
}
