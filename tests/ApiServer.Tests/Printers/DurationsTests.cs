using KubeNet.ApiServer.Printers;

namespace KubeNet.ApiServer.Tests.Printers;

public sealed class DurationsTests
{
    // The cases of apimachinery's duration_test.go for HumanDuration, plus the boundaries between its ranges.
    [Theory]
    [InlineData(-2, "<invalid>")]
    [InlineData(-1, "0s")]
    [InlineData(0, "0s")]
    [InlineData(1, "1s")]
    [InlineData(59, "59s")]
    [InlineData(60, "60s")]
    [InlineData(119, "119s")]
    [InlineData(120, "2m")]
    [InlineData(121, "2m1s")]
    [InlineData(200, "3m20s")]
    [InlineData(599, "9m59s")]
    [InlineData(600, "10m")]
    [InlineData(601, "10m")]
    [InlineData(3 * 3600 - 1, "179m")]
    [InlineData(3 * 3600, "3h")]
    [InlineData(3 * 3600 + 60, "3h1m")]
    [InlineData(8 * 3600 - 1, "7h59m")]
    [InlineData(8 * 3600, "8h")]
    [InlineData(48 * 3600 - 1, "47h")]
    [InlineData(48 * 3600, "2d")]
    [InlineData(50 * 3600, "2d2h")]
    [InlineData(8 * 86400 - 1, "7d23h")]
    [InlineData(8 * 86400, "8d")]
    [InlineData(2 * 365 * 86400 - 1, "729d")]
    [InlineData(2 * 365 * 86400, "2y")]
    [InlineData(2 * 365 * 86400 + 10 * 86400, "2y10d")]
    [InlineData(8 * 365L * 86400 - 1, "7y364d")]
    [InlineData(8 * 365L * 86400, "8y")]
    [InlineData(100 * 365L * 86400, "100y")]
    public void HumanDuration(long seconds, string expected)
        => Assert.Equal(expected, Durations.Human(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void FractionsOfASecondTruncate()
        => Assert.Equal("4s", Durations.Human(TimeSpan.FromMilliseconds(4999)));

    [Fact]
    public void UnsetTimestampsAreUnknown()
    {
        Assert.Equal("<unknown>", Durations.Since(null, Print.Now));
        Assert.Equal("<unknown>", Durations.Since(DateTime.MinValue, Print.Now));
    }

    [Fact]
    public void LocalTimestampsCountAsTheSameInstant()
        => Assert.Equal("5m", Durations.Since(Print.Ago(TimeSpan.FromMinutes(5)).ToLocalTime(), Print.Now));
}
