using GitOpsDeploy.Core.Text;

namespace GitOpsDeploy.Core.Tests;

[Trait("Tier", "Unit")]
public sealed class SecretMaskerTests
{
    [Fact]
    public void Every_registered_secret_is_masked_wherever_it_appears()
    {
        var masker = new SecretMasker();
        masker.Add("ghs_abcdef");
        masker.Add("pa55word");

        Assert.Equal("token *** and *** and *** again", masker.Mask("token ghs_abcdef and pa55word and ghs_abcdef again"));
    }

    [Fact]
    public void A_longer_secret_that_contains_a_shorter_one_is_masked_whole()
    {
        var masker = new SecretMasker();
        masker.Add("abcd");
        masker.Add("xxabcdyy");

        Assert.Equal("***, ***", masker.Mask("xxabcdyy, abcd"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("  ab  ")]
    public void Values_too_short_to_be_tokens_are_not_registered(string? value)
    {
        var masker = new SecretMasker();
        masker.Add(value);

        Assert.Equal("abc ab  ab   end", masker.Mask("abc ab  ab   end"));
    }

    [Fact]
    public void The_shortest_registered_value_has_four_characters()
    {
        var masker = new SecretMasker();
        masker.Add("abcd");

        Assert.Equal("*** abc", masker.Mask("abcd abc"));
    }

    [Fact]
    public void Json_is_masked_as_written_and_as_json_escapes_it()
    {
        var masker = new SecretMasker();
        masker.Add("se\"cr<et");

        var json = System.Text.Json.JsonSerializer.Serialize(new { message = "the token se\"cr<et leaked" });

        Assert.DoesNotContain("cr", masker.MaskJson(json), StringComparison.Ordinal);
        Assert.Equal("{\"message\":\"the token *** leaked\"}", masker.MaskJson(json));
        Assert.Equal("raw ***", masker.MaskJson("raw se\"cr<et"));
    }
}
