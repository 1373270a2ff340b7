using System.Globalization;

namespace GitOpsDeploy.Analysis;

/// <summary>
/// What a condition sees as <c>result</c>: a scalar (a PromQL scalar answer) or a list of sample values (a vector's
/// samples, or every sample of every series of a matrix, in the order Prometheus gave them, as Argo Rollouts flattens
/// them). NaN and ±Inf are kept as they are.
/// </summary>
public sealed class QueryResult : IEquatable<QueryResult>
{
    private readonly double[] values;

    private QueryResult(bool isScalar, double[] values)
    {
        IsScalar = isScalar;
        this.values = values;
    }

    /// <summary>True for a PromQL scalar: conditions use <c>result</c> as a number.</summary>
    public bool IsScalar { get; }

    /// <summary>The scalar's value, or the samples' values.</summary>
    public IReadOnlyList<double> Values => values;

    /// <summary>An empty vector: no series matched.</summary>
    public bool IsEmpty => values.Length == 0;

    /// <summary>No data to decide on: an empty vector, or any NaN sample.</summary>
    public bool HasMissingData => values.Length == 0 || values.Any(double.IsNaN);

    public static QueryResult Scalar(double value) => new(true, [value]);

    public static QueryResult Vector(IEnumerable<double> values) => new(false, [.. values]);

    public static QueryResult Vector(params double[] values) => new(false, [.. values]);

    /// <summary>Prometheus's own spelling of a sample value: "0.25", "NaN", "+Inf", "-Inf".</summary>
    public static string FormatNumber(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>As Argo Rollouts records a measurement's value: "0.5" for a scalar, "[0.5,NaN]" for a vector.</summary>
    public override string ToString() => IsScalar ? FormatNumber(values[0]) : "[" + string.Join(",", values.Select(FormatNumber)) + "]";

    public bool Equals(QueryResult? other) =>
        other is not null && IsScalar == other.IsScalar && values.AsSpan().SequenceEqual(other.values);

    public override bool Equals(object? obj) => Equals(obj as QueryResult);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(IsScalar);
        foreach (var v in values)
        {
            hash.Add(v);
        }

        return hash.ToHashCode();
    }
}
