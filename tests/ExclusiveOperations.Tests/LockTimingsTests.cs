using ExclusiveOperations.Locking;

namespace ExclusiveOperations.Tests;

public sealed class LockTimingsTests
{
    [Fact]
    public void Azure_defaults_renew_every_30_s_and_live_three_worst_case_renewal_gaps()
    {
        var timings = new LockOptions().Timings; // MaxQueuePollingInterval 30 s, as host.json sets it; 30 s partition leases

        Assert.Equal(TimeSpan.FromSeconds(30), timings.RenewEvery);
        // A renewal lands at most two polls + a partition handover + 2 s late: 92 s; a gap between renewals is at most 30 + 92 s.
        Assert.Equal(TimeSpan.FromSeconds(92), LockTimings.RenewalLatency(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30)));
        Assert.Equal(TimeSpan.FromSeconds(3 * (30 + 92)), timings.Lifetime);
        Assert.Null(timings.Problem(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void The_local_fast_profile_outlives_a_partition_moving_to_another_host()
    {
        // 0.5 s polling and 10 s partition leases (the local host's defaults): 13 s latency, renew every 5 s, live 54 s.
        var timings = new LockOptions { MaxQueuePollingInterval = TimeSpan.FromSeconds(0.5), PartitionLeaseInterval = TimeSpan.FromSeconds(10) }.Timings;

        Assert.Equal(new LockTimings(TimeSpan.FromSeconds(54), TimeSpan.FromSeconds(5)), timings);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(5)]
    [InlineData(30)]
    [InlineData(60)]
    public void A_derived_lifetime_survives_several_renewals_that_are_each_as_late_as_the_polling_allows(double pollingSeconds)
    {
        var polling = TimeSpan.FromSeconds(pollingSeconds);
        var lease = TimeSpan.FromSeconds(30);
        var timings = LockTimings.For(polling, lease);

        var worstGap = timings.RenewEvery + LockTimings.RenewalLatency(polling, lease);
        Assert.True(timings.Lifetime >= LockTimings.RenewalsPerLifetime * worstGap, $"{timings} at {polling}");
        Assert.True(timings.RenewEvery >= polling);
    }

    [Fact]
    public void A_lifetime_set_too_short_for_the_polling_interval_is_refused_with_the_minimum()
    {
        var options = new LockOptions { TimeToLive = TimeSpan.FromSeconds(60), MaxQueuePollingInterval = TimeSpan.FromSeconds(30) };

        var error = Assert.Throws<InvalidOperationException>(options.Validate);
        Assert.Contains("TimeToLive", error.Message);
        Assert.Contains("at least 123 s", error.Message); // 4/3 of the 92 s latency: one late renewal fits
    }

    [Fact]
    public void An_explicit_lifetime_is_renewed_four_times_per_lifetime()
    {
        var options = new LockOptions
        {
            TimeToLive = TimeSpan.FromSeconds(8),
            MaxQueuePollingInterval = TimeSpan.FromSeconds(0.5),
            PartitionLeaseInterval = TimeSpan.FromSeconds(2),
        };
        options.Validate();

        Assert.Equal(new LockTimings(TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(2)), options.Timings);
    }
}
