namespace KubeNet.Client.Tests;

public sealed class ExpectationsTests
{
    [Fact]
    public void ExpectationsHoldUntilObservedOrExpired()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UnixEpoch);
        var expectations = new ControllerExpectations(clock);
        Assert.True(expectations.SatisfiedExpectations("ns/rs"), "a controller without expectations may sync");

        expectations.ExpectCreations("ns/rs", 2);
        Assert.False(expectations.SatisfiedExpectations("ns/rs"));
        expectations.CreationObserved("ns/rs");
        Assert.False(expectations.SatisfiedExpectations("ns/rs"));
        expectations.CreationObserved("ns/rs");
        Assert.True(expectations.SatisfiedExpectations("ns/rs"));

        expectations.ExpectDeletions("ns/rs", 1);
        Assert.False(expectations.SatisfiedExpectations("ns/rs"));
        clock.Advance(TimeSpan.FromMinutes(4));
        expectations.RaiseExpectations("ns/rs", 1, 0);
        Assert.Equal(new ControllerExpectations.Expectation(1, 1, DateTimeOffset.UnixEpoch), expectations.GetExpectations("ns/rs"));
        Assert.False(expectations.SatisfiedExpectations("ns/rs"));
        clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        Assert.True(expectations.SatisfiedExpectations("ns/rs"), "unmet expectations expire after five minutes");

        expectations.DeleteExpectations("ns/rs");
        Assert.Null(expectations.GetExpectations("ns/rs"));
        Assert.True(expectations.SatisfiedExpectations("ns/rs"));
    }

    [Fact]
    public void ObservationsOfOtherControllersOrWithoutExpectationsChangeNothing()
    {
        var expectations = new ControllerExpectations();
        expectations.CreationObserved("ns/none");
        Assert.Null(expectations.GetExpectations("ns/none"));

        expectations.ExpectCreations("ns/a", 1);
        expectations.CreationObserved("ns/b");
        Assert.False(expectations.SatisfiedExpectations("ns/a"));
        expectations.LowerExpectations("ns/a", 1, 0);
        Assert.True(expectations.SatisfiedExpectations("ns/a"));
    }

    [Fact]
    public void UidTrackingCountsEachDeletionOnce()
    {
        var tracking = new UidTrackingControllerExpectations();
        tracking.ExpectDeletions("ns/rs", ["ns/p1", "ns/p2"]);
        Assert.False(tracking.Expectations.SatisfiedExpectations("ns/rs"));

        tracking.DeletionObserved("ns/rs", "ns/p1");
        tracking.DeletionObserved("ns/rs", "ns/p1");
        Assert.False(tracking.Expectations.SatisfiedExpectations("ns/rs"));
        Assert.Equal(["ns/p2"], tracking.GetSet("ns/rs")!);

        tracking.DeletionObserved("ns/rs", "ns/p2");
        Assert.True(tracking.Expectations.SatisfiedExpectations("ns/rs"));
        tracking.DeleteExpectations("ns/rs");
        Assert.Null(tracking.GetSet("ns/rs"));
    }
}
