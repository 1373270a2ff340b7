using GitOpsDeploy.Editing.Yaml;

namespace GitOpsDeploy.Core.Tests;

[Trait("Tier", "Unit")]
public sealed class PlainScalarsTests
{
    [Theory]
    [InlineData("1.10", ScalarKind.Float)]
    [InlineData("2024.01", ScalarKind.Float)]
    [InlineData("1e3", ScalarKind.Float)]
    [InlineData(".inf", ScalarKind.Float)]
    [InlineData("12", ScalarKind.Int)]
    [InlineData("0755", ScalarKind.Int)]
    [InlineData("0x1F", ScalarKind.Int)]
    [InlineData("1_000", ScalarKind.Int)]
    [InlineData("true", ScalarKind.Bool)]
    [InlineData("yes", ScalarKind.Bool)]
    [InlineData("Off", ScalarKind.Bool)]
    [InlineData("~", ScalarKind.Null)]
    [InlineData("", ScalarKind.Null)]
    [InlineData("NULL", ScalarKind.Null)]
    [InlineData("2024-01-31", ScalarKind.Timestamp)]
    [InlineData("v1.10", ScalarKind.String)]
    [InlineData("1.2.3", ScalarKind.String)]
    [InlineData(".", ScalarKind.String)]
    [InlineData("-", ScalarKind.String)]
    [InlineData("sha-abc123", ScalarKind.String)]
    public void Resolves_plain_scalars_like_yaml_readers_do(string plain, ScalarKind kind) =>
        Assert.Equal(kind, PlainScalars.Resolve(plain));

    [Theory]
    [InlineData("2", true)]
    [InlineData("0", true)]
    [InlineData("-1", true)]
    [InlineData("8080", true)]
    [InlineData("9223372036854775807", true)]
    [InlineData("true", true)]
    [InlineData("False", true)]
    [InlineData("TRUE", true)]
    [InlineData("9223372036854775808", false)]
    [InlineData("0755", false)]
    [InlineData("007", false)]
    [InlineData("-0", false)]
    [InlineData("+1", false)]
    [InlineData("0x1F", false)]
    [InlineData("0o17", false)]
    [InlineData("1_000", false)]
    [InlineData("1:30", false)]
    [InlineData("1.10", false)]
    [InlineData("0.5", false)]
    [InlineData("1e3", false)]
    [InlineData(".inf", false)]
    [InlineData("yes", false)]
    [InlineData("no", false)]
    [InlineData("on", false)]
    [InlineData("y", false)]
    [InlineData("tRUE", false)]
    [InlineData("", false)]
    [InlineData("~", false)]
    [InlineData("1.2.3", false)]
    public void Only_ints_and_booleans_every_reader_agrees_on_are_written_plain_where_there_is_no_kind_to_keep(string value, bool plain) =>
        Assert.Equal(plain, PlainScalars.IsPortableIntOrBool(value));

    [Theory]
    [InlineData("1.2.3", true)]
    [InlineData("ghcr.io/acme/web", true)]
    [InlineData("1.10", false)]
    [InlineData("a: b", false)]
    [InlineData("a #b", false)]
    [InlineData("#x", false)]
    [InlineData("*x", false)]
    [InlineData("x,y", false)]
    [InlineData(" x", false)]
    [InlineData("x:", false)]
    public void Decides_when_a_string_needs_quotes(string value, bool plain) =>
        Assert.Equal(plain, PlainScalars.CanBePlainString(value));

    [Theory]
    [InlineData("a\"b\\c\n", "\"a\\\"b\\\\c\\n\"")]
    [InlineData("tab\t", "\"tab\\t\"")]
    public void Double_quotes_escape(string value, string expected) => Assert.Equal(expected, PlainScalars.DoubleQuote(value));

    [Fact]
    public void Single_quotes_double_the_quote_and_refuse_line_breaks()
    {
        Assert.Equal("'it''s'", PlainScalars.SingleQuote("it's"));
        Assert.Null(PlainScalars.SingleQuote("a\nb"));
    }
}
