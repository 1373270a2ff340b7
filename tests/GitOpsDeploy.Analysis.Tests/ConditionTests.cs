namespace GitOpsDeploy.Analysis.Tests;

/// <summary>The expr subset: every operator and function, expr's precedence, three-valued missing data, and refusals at parse time.</summary>
[Trait("Tier", "Unit")]
public sealed class ConditionTests
{
    private const double NaN = double.NaN;
    private const double Inf = double.PositiveInfinity;

    public static TheoryData<string, double[], Truth> VectorCases => new()
    {
        // The conditions users write.
        { "result[0] >= 0.95", [0.96], Truth.True },
        { "result[0] >= 0.95", [0.9], Truth.False },
        { "result[0] >= 0.95", [], Truth.Unknown },
        { "result[0] >= 0.95", [NaN], Truth.Unknown },
        { "len(result) == 0", [], Truth.True },
        { "len(result) == 0", [1], Truth.False },
        { "len(result) > 1", [1, 2], Truth.True },
        { "result[0] < 5 && result[0] > 1", [3], Truth.True },
        { "result[0] < 5 && result[0] > 1", [6], Truth.False },
        { "result[0] < 5 && result[0] > 1", [0], Truth.False },
        { "result[0] < 5 and result[0] > 1", [3], Truth.True },
        { "isNaN(result[0])", [NaN], Truth.True },
        { "isNaN(result[0])", [1], Truth.False },
        { "isNaN(result[0])", [], Truth.Unknown },
        { "isInf(result[0])", [Inf], Truth.True },
        { "isInf(result[0])", [1], Truth.False },
        { "result[0] > 1", [Inf], Truth.True },
        { "all(result, {# < 0.1})", [0.05, 0.09], Truth.True },
        { "all(result, {# < 0.1})", [0.05, 0.2], Truth.False },
        { "all(result, {# < 0.1})", [], Truth.Unknown },
        { "all(result, {# < 0.1})", [0.05, NaN], Truth.Unknown },
        { "all(result, {# < 0.1})", [NaN, 0.2], Truth.False },
        { "all(result, # < 0.1)", [0.05], Truth.True },
        { "any(result, {# > 0.5})", [0.1, 0.9], Truth.True },
        { "any(result, {# > 0.5})", [0.1], Truth.False },
        { "any(result, {# > 0.5})", [], Truth.Unknown },
        { "any(result, {# > 0.5})", [NaN, 0.9], Truth.True },
        { "any(result, {# > 0.5})", [NaN, 0.1], Truth.Unknown },
        { "none(result, {# > 0.5})", [0.1], Truth.True },
        { "none(result, {# > 0.5})", [0.1, 0.9], Truth.False },
        { "none(result, {# > 0.5})", [], Truth.Unknown },
        { "default(result[0], 0) < 0.05", [], Truth.True },
        { "default(result[0], 0) < 0.05", [0.1], Truth.False },
        { "default(result[0], 0) < 0.05", [NaN], Truth.Unknown },
        { "abs(result[0]) < 1", [-0.5], Truth.True },

        // Every comparison, with NaN never compared.
        { "result[0] == 2", [2], Truth.True },
        { "result[0] == 2", [NaN], Truth.Unknown },
        { "result[0] != 1", [2], Truth.True },
        { "result[0] != 1", [NaN], Truth.Unknown },
        { "result[0] < 2", [1], Truth.True },
        { "result[0] <= 2", [2], Truth.True },
        { "result[0] > 2", [2], Truth.False },
        { "result[0] >= 2", [2], Truth.True },

        // Arithmetic.
        { "result[0] + 1 == 3", [2], Truth.True },
        { "result[0] - 1 == 1", [2], Truth.True },
        { "result[0] * 2 == 4", [2], Truth.True },
        { "result[0] / 4 == 0.5", [2], Truth.True },
        { "result[0] % 3 == 2", [5], Truth.True },
        { "result[0] ** 2 == 9", [3], Truth.True },
        { "result[0] ^ 2 == 9", [3], Truth.True },
        { "-result[0] < 0", [1], Truth.True },
        { "+result[0] > 0", [1], Truth.True },
        { "result[0] / result[1] > 0.1", [1, 0], Truth.True },
        { "result[0] + 1 > 0", [], Truth.Unknown },
        { "result[0] < 1e-3", [0.0001], Truth.True },
        { "result[0] == 1.5E2", [150], Truth.True },

        // Indexing: negative from the end; past the end is missing.
        { "result[-1] == 3", [1, 2, 3], Truth.True },
        { "result[1 + 1] == 3", [1, 2, 3], Truth.True },
        { "result[1] > 0", [1], Truth.Unknown },
        { "result[-2] > 0", [1], Truth.Unknown },

        // expr's precedence and associativity.
        { "1 + 2 * 3 == 7", [], Truth.True },
        { "(1 + 2) * 3 == 9", [], Truth.True },
        { "2 ** 3 ** 2 == 512", [], Truth.True },
        { "-2 ** 2 == -4", [], Truth.True },
        { "10 - 4 - 3 == 3", [], Truth.True },
        { "100 / 10 / 5 == 2", [], Truth.True },
        { "2 * 3 % 4 == 2", [], Truth.True },
        { "true || false && false", [], Truth.True },
        { "(true || false) && false", [], Truth.False },
        { "true or false and false", [], Truth.True },
        { "!true || true", [], Truth.True },
        { "not false and false", [], Truth.False },
        { "!(1 > 2)", [], Truth.True },
        { "1 < 2 == true", [], Truth.True },

        // Kleene logic: what the user asked about missing data decides; otherwise it stays unknown.
        { "len(result) == 0 || result[0] >= 0.95", [], Truth.True },
        { "len(result) == 0 || result[0] >= 0.95", [0.5], Truth.False },
        { "result[0] > 1 || true", [], Truth.True },
        { "result[0] > 1 || false", [], Truth.Unknown },
        { "result[0] > 1 && false", [], Truth.False },
        { "result[0] > 1 && true", [], Truth.Unknown },
        { "!(result[0] > 0.1)", [NaN], Truth.Unknown },
        { "!(result[0] > 0.1)", [0.05], Truth.True },
        { "not (result[0] > 0.1)", [], Truth.Unknown },
        { "(result[0] > 1) == true", [2], Truth.True },
        { "(result[0] > 1) != true", [], Truth.Unknown },
        { "isNaN(result[0]) || result[0] >= 0.95", [NaN], Truth.True },
    };

    [Theory]
    [MemberData(nameof(VectorCases))]
    public void Evaluates_against_a_vector(string condition, double[] values, Truth expected) =>
        Assert.Equal(expected, Condition.Parse(condition).Evaluate(QueryResult.Vector(values)));

    [Theory]
    [InlineData("result > 1", 2, Truth.True)]
    [InlineData("result == 2", 2, Truth.True)]
    [InlineData("result <= 5 && !isInf(result)", 3, Truth.True)]
    [InlineData("result >= 0.95", NaN, Truth.Unknown)]
    [InlineData("isNaN(result) || result >= 0.95", NaN, Truth.True)]
    [InlineData("default(result, 0) < 0.05", 0.01, Truth.True)]
    [InlineData("result * 100 > 99", 1, Truth.True)]
    public void Uses_result_as_a_number_for_a_scalar(string condition, double value, Truth expected) =>
        Assert.Equal(expected, Condition.Parse(condition).Evaluate(QueryResult.Scalar(value)));

    [Theory]
    [InlineData("result[0] > 1", true, "the query returned a scalar, so `result` is a number")]
    [InlineData("len(result) > 0", true, "the query returned a scalar")]
    [InlineData("all(result, {# > 0})", true, "the query returned a scalar")]
    [InlineData("result > 1", false, "the query returned a vector of 1 sample(s), so `result` is a list: compare result[0]")]
    [InlineData("result[result[0]] > 0", false, "an index must be a whole number, not 0.5")]
    public void A_condition_that_does_not_fit_the_answers_shape_is_an_evaluation_error(string condition, bool scalar, string message)
    {
        var result = scalar ? QueryResult.Scalar(0.5) : QueryResult.Vector(0.5);
        var e = Assert.Throws<ConditionEvaluationException>(() => Condition.Parse(condition).Evaluate(result));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Short_circuits_like_expr_so_a_guarded_shape_error_is_not_raised()
    {
        Assert.Equal(Truth.True, Condition.Parse("true || result[0] > 1").Evaluate(QueryResult.Scalar(1)));
        Assert.Equal(Truth.False, Condition.Parse("false && result > 1").Evaluate(QueryResult.Vector(1)));
    }

    [Theory]
    [InlineData("", "the condition is empty", 0)]
    [InlineData("   ", "the condition is empty", 0)]
    [InlineData("result[0]", "a condition must be true or false, but \"result[0]\" is a number", 6)]
    [InlineData("result", "a condition must be true or false, but \"result\" is `result` itself", 0)]
    [InlineData("result[0] + 1", "a condition must be true or false", 10)]
    [InlineData("result[0] >= ", "the condition ends too early: a value is missing", 13)]
    [InlineData("result[0] >= 0.95 &&", "the condition ends too early", 20)]
    [InlineData("(result[0] > 1", "the condition ends too early: expected ')'", 14)]
    [InlineData("result[0] > 1 )", "expected an operator or the end of the condition but found ')'", 14)]
    [InlineData("not result[0] > 1", "'not' needs true or false, but its operand is a number: 'not' binds tighter than comparisons, so write not (a > b)", 0)]
    [InlineData("!result[0] > 1", "'!' needs true or false", 0)]
    [InlineData("result[0] > 'a'", "strings are not supported in conditions", 12)]
    [InlineData("result[0] > \"a\"", "strings are not supported in conditions", 12)]
    [InlineData("result.foo > 1", "member access (.) is not supported", 6)]
    [InlineData("result[0] in [1, 2]", "'in' is not supported in conditions", 10)]
    [InlineData("result[0] matches 1", "'matches' is not supported in conditions", 10)]
    [InlineData("nil == result", "'nil' is not supported in conditions", 0)]
    [InlineData("result[0] ?? 0 > 1", "'?' (ternary, ?? or ?.) is not supported", 10)]
    [InlineData("result[0] > 1 ? true : false", "'?' (ternary, ?? or ?.) is not supported", 14)]
    [InlineData("1..3 == 1", "malformed number", 0)]
    [InlineData("result[0:1] == 1", "slices (:) are not supported", 8)]
    [InlineData("max(result) > 1", "unsupported function 'max' (supported: len, all, any, none, default, isNaN, isInf, abs)", 0)]
    [InlineData("foo > 1", "unknown name 'foo': a condition can only refer to `result`", 0)]
    [InlineData("# > 1", "'#' (the current element) can only be used inside all, any or none", 0)]
    [InlineData("result[0] = 1", "'=' is not an operator; did you mean == ?", 10)]
    [InlineData("result[0] > 1 & true", "'&' is not an operator; did you mean && ?", 14)]
    [InlineData("result[0] > 1 | true", "pipes (|) are not supported", 14)]
    [InlineData("true > 1", "'>' needs a number, but got true/false", 0)]
    [InlineData("1 < result[0] < 3", "'<' needs a number, but got true/false", 2)]
    [InlineData("true && 1", "'&&' needs true or false on both sides, but one side is a number", 8)]
    [InlineData("1 == true", "'==' compares a number with true/false", 2)]
    [InlineData("-true", "unary '-' needs a number", 1)]
    [InlineData("len(1) > 0", "len applies to `result` only", 4)]
    [InlineData("all(result, {# + 1})", "the predicate of all must be true or false", 15)]
    [InlineData("all(result[0], {# > 1})", "all applies to `result` only", 10)]
    [InlineData("result[0.5] > 1", "an index must be a whole number, not 0.5", 7)]
    [InlineData("result[true] > 1", "an index needs a number", 7)]
    [InlineData("(result[0] > 1)[0]", "only `result` can be indexed", 15)]
    [InlineData("result(1) > 1", "only functions can be called", 6)]
    [InlineData("{# > 1}", "a predicate {...} can only be the second argument of all, any or none", 0)]
    [InlineData("[1] == 1", "array literals are not supported", 0)]
    [InlineData("result[0] > 1 @", "unexpected character '@'", 14)]
    [InlineData("isNaN(result[0] > 1)", "isNaN needs a number", 16)]
    [InlineData("default(result[0])", "expected ','", 17)]
    public void Refuses_what_is_outside_the_subset_when_parsed(string condition, string message, int position)
    {
        var e = Assert.Throws<ConditionSyntaxException>(() => Condition.Parse(condition));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Equal(position, e.Position);
    }

    [Fact]
    public void Keeps_the_text_as_written() => Assert.Equal("result[0] >= 0.95", Condition.Parse("result[0] >= 0.95").ToString());
}
