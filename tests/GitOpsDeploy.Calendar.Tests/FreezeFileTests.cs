namespace GitOpsDeploy.Calendar.Tests;

[Trait("Tier", "Unit")]
public sealed class FreezeFileTests
{
    private const string Sample = """
        # .gitops-deploy/freeze.yaml
        version: 1
        freezes:
          - environments: [production, "prod-*"]
            by: "@alice"
            reason: "INC-4711: payments outage, stop the line"
            until: 2025-03-02T18:00:00+01:00
          - environments: staging
            by: "@bob"
            reason: load test
            from: 2025-03-05T08:00:00Z
            until: 2025-03-05T12:00:00Z
          - environments: ["*"]
            by: release-team
            reason: year-end freeze
            from: 2025-12-22T00:00:00Z
            until: open
        """;

    private static DateTimeOffset Z(int y, int mo, int d, int h = 0, int mi = 0) => new(y, mo, d, h, mi, 0, TimeSpan.Zero);

    [Fact]
    public void Answers_frozen_by_whom_why_and_until_when()
    {
        var file = FreezeFile.Parse(Sample);
        var status = file.Check("prod-eu", Z(2025, 3, 2, 10));
        Assert.True(status.Frozen);
        var entry = Assert.Single(status.Freezes);
        Assert.Equal(("@alice", "INC-4711: payments outage, stop the line", 4), (entry.By, entry.Reason, entry.Line));
        Assert.Equal(Z(2025, 3, 2, 17), status.FrozenUntil);

        Assert.False(file.Check("prod-eu", Z(2025, 3, 2, 17)).Frozen); // "until" is exclusive
        Assert.False(file.Check("dev", Z(2025, 3, 2, 10)).Frozen);
        Assert.False(file.Check("staging", Z(2025, 3, 5, 7, 59)).Frozen); // "from" is inclusive
        Assert.True(file.Check("staging", Z(2025, 3, 5, 8)).Frozen);
        Assert.Null(file.Check("dev", Z(2026, 1, 1)).FrozenUntil); // open-ended
        Assert.Equal(Z(2025, 3, 5, 8), file.NextChange("staging", Z(2025, 3, 1)));
    }

    [Fact]
    public void Chained_freezes_end_when_the_last_one_does()
    {
        var file = FreezeFile.Parse("""
            freezes:
              - {environments: [prod], by: a, reason: one, until: 2025-01-02T00:00:00Z}
              - {environments: [prod], by: b, reason: two, from: 2025-01-01T12:00:00Z, until: 2025-01-03T00:00:00Z}
            """);
        Assert.Equal(Z(2025, 1, 3), file.Check("prod", Z(2025, 1, 1)).FrozenUntil);
    }

    [Fact]
    public void An_empty_file_freezes_nothing()
    {
        Assert.Empty(FreezeFile.Parse("").Entries);
        Assert.Empty(FreezeFile.Parse("# nothing frozen\nfreezes: []\n").Entries);
        Assert.False(FreezeFile.Empty.Check("prod", Z(2025, 1, 1)).Frozen);
    }

    [Theory]
    [InlineData("freezes:\n  - environments: [prod]\n    reason: x\n", 2, "freezes[0].by", "required: who froze (a GitHub handle or a team)")]
    [InlineData("freezes:\n  - environments: [prod]\n    by: a\n", 2, "freezes[0].reason", "required: why (an incident, a ticket, a sentence)")]
    [InlineData("freezes:\n  - by: a\n    reason: b\n", 2, "freezes[0].environments", "required: the environments to freeze (names or globs such as 'prod-*'; '*' for all)")]
    [InlineData("freezes:\n  - environments: []\n    by: a\n    reason: b\n", 2, "freezes[0].environments", "must name at least one environment")]
    [InlineData("freezes:\n  - environments: [prod]\n    by: a\n    reason: b\n    until: 2025-03-02\n", 5, "freezes[0].until", "'2025-03-02' is not an RFC 3339 instant such as 2025-12-24T18:00:00+01:00 or 2025-12-24T17:00:00Z, or 'open'")]
    [InlineData("freezes:\n  - environments: [prod]\n    by: a\n    reason: b\n    until: 2025-03-02T18:00:00\n", 5, "freezes[0].until", "'2025-03-02T18:00:00' is not an RFC 3339 instant such as 2025-12-24T18:00:00+01:00 or 2025-12-24T17:00:00Z, or 'open'")]
    [InlineData("freezes:\n  - environments: [prod]\n    by: a\n    reason: b\n    until: 2025-02-30T18:00:00Z\n", 5, "freezes[0].until", "'2025-02-30T18:00:00Z' is not a valid date and time")]
    [InlineData("freezes:\n  - environments: [prod]\n    by: a\n    reason: b\n    from: 2025-03-02T18:00:00Z\n    until: 2025-03-02T17:00:00Z\n", 6, "freezes[0].until", "2025-03-02T17:00:00.0000000+00:00 is not after from (2025-03-02T18:00:00.0000000+00:00)")]
    [InlineData("freezes:\n  - environments: [prod]\n    by: a\n    reason: b\n    untill: 2025-03-02T17:00:00Z\n", 5, "freezes[0].untill", "unknown field (expected: environments, by, reason, from, until)")]
    [InlineData("freezes:\n  - environments: ['prod-[']\n    by: a\n    reason: b\n", 2, "freezes[0].environments[0]", "'prod-[' is not a valid glob: unexpected end of input")]
    [InlineData("version: 2\n", 1, "version", "'2' is not a version this action reads (1)")]
    [InlineData("frezes: []\n", 1, "frezes", "unknown field (expected: version, freezes)")]
    [InlineData("freezes:\n  - environments: [prod]\n    by: ' '\n    reason: b\n", 3, "freezes[0].by", "must not be blank")]
    public void Errors_name_the_line_and_the_field(string yaml, int line, string field, string problem)
    {
        var error = Assert.Throws<CalendarParseException>(() => FreezeFile.Parse(yaml));
        Assert.Equal((FreezeFile.DefaultPath, line, field, problem), (error.File, error.Line, error.Field, error.Problem));
    }
}
