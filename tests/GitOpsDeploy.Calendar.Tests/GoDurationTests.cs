namespace GitOpsDeploy.Calendar.Tests;

[Trait("Tier", "Unit")]
public sealed class GoDurationTests
{
    [Theory]
    [InlineData("1h", 3_600_000_000_000L)]
    [InlineData("1h30m", 5_400_000_000_000L)]
    [InlineData("1.5h", 5_400_000_000_000L)]
    [InlineData(".5m", 30_000_000_000L)]
    [InlineData("5.m", 300_000_000_000L)]
    [InlineData("90s", 90_000_000_000L)]
    [InlineData("1h1h", 7_200_000_000_000L)]
    [InlineData("0", 0L)]
    [InlineData("-0", 0L)]
    [InlineData("+3m", 180_000_000_000L)]
    [InlineData("-1h", -3_600_000_000_000L)]
    [InlineData("300ms", 300_000_000L)]
    [InlineData("2us", 2_000L)]
    [InlineData("2\u00b5s", 2_000L)]
    [InlineData("2\u03bcs", 2_000L)]
    [InlineData("7ns", 7L)]
    [InlineData("2562047h47m16.854775807s", long.MaxValue)]
    public void Parses_go_durations(string text, long nanoseconds)
    {
        Assert.True(GoDuration.TryParseNanoseconds(text, out var ns, out var error), error);
        Assert.Equal(nanoseconds, ns);
    }

    [Theory]
    [InlineData("", "time: invalid duration \"\"")]
    [InlineData("1d", "time: unknown unit \"d\" in duration \"1d\"")]
    [InlineData("24", "time: missing unit in duration \"24\"")]
    [InlineData("1h 30m", "time: unknown unit \"h \" in duration \"1h 30m\"")]
    [InlineData(".h", "time: invalid duration \".h\"")]
    [InlineData("h", "time: invalid duration \"h\"")]
    [InlineData("3a", "time: unknown unit \"a\" in duration \"3a\"")]
    [InlineData("2562048h", "time: invalid duration \"2562048h\"")]
    public void Refuses_what_go_refuses_with_its_message(string text, string message)
    {
        Assert.False(GoDuration.TryParseNanoseconds(text, out _, out var error));
        Assert.Equal(message, error);
    }

    [Fact]
    public void A_sub_tick_remainder_rounds_up_so_window_ends_stay_exact()
    {
        Assert.True(GoDuration.TryParse("1h1ns", out var span, out _));
        Assert.Equal(TimeSpan.FromHours(1).Ticks + 1, span.Ticks);
        Assert.True(GoDuration.TryParse("-150ns", out span, out _));
        Assert.Equal(-1, span.Ticks);
    }
}
