using System.Text.RegularExpressions;

namespace GitOpsDeploy.Editing.Images;

/// <summary>One part of an image spec: set to a value, kept as it is (<c>*</c>), or not given.</summary>
public readonly record struct SpecPart(SpecPartKind Kind, string? Value)
{
    public static readonly SpecPart Absent = new(SpecPartKind.Absent, null);
    public static readonly SpecPart Keep = new(SpecPartKind.Keep, null);

    public static SpecPart Set(string value) => new(SpecPartKind.Set, value);

    public static SpecPart SetOrRemove(string? value) => value is null ? new(SpecPartKind.Remove, null) : Set(value);

    public override string ToString() => Kind switch { SpecPartKind.Set => Value!, SpecPartKind.Keep => "*", _ => string.Empty };
}

public enum SpecPartKind
{
    Absent,
    Keep,
    Set,
    /// <summary>Remove the field (promotion and rollback copy an entry exactly).</summary>
    Remove,
}

/// <summary>
/// An image edit in <c>kustomize edit set image</c> syntax: <c>NAME[=NEWNAME][:TAG][@DIGEST]</c>.
/// Unlike kustomize, applying it merges into the existing entry (see <see cref="ApplyTo"/>).
/// </summary>
public sealed partial record ImageSpec(string Name, SpecPart NewName, SpecPart Tag, SpecPart Digest)
{
    /// <summary>The image repository the spec points at: its new name when it sets one, else its name.</summary>
    public string Repository => NewName.Kind == SpecPartKind.Set ? NewName.Value! : Name;

    /// <summary>Parses one spec; <paramref name="input"/> names the action input in errors.</summary>
    public static ImageSpec Parse(string text, string input = "images")
    {
        var spec = text.Trim();
        if (spec.Length == 0)
        {
            throw DeployException.Input(input, "empty image spec");
        }

        foreach (var c in spec)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                throw DeployException.Input(input, $"image spec '{Printable(spec)}' contains whitespace or a control character");
            }
        }

        var eq = spec.IndexOf('=', StringComparison.Ordinal);
        string name;
        string reference;
        bool hasNewName;
        if (eq >= 0)
        {
            name = spec[..eq];
            reference = spec[(eq + 1)..];
            hasNewName = true;
            if (reference.Length == 0)
            {
                throw DeployException.Input(input, $"image spec '{spec}' has nothing after '='");
            }
        }
        else
        {
            (name, var tagOrDigest) = SplitName(spec);
            reference = spec;
            hasNewName = false;
            if (tagOrDigest.Length == 0)
            {
                // kustomize rejects a bare name too: there is nothing to set.
                throw DeployException.Input(input, $"image spec '{spec}' sets nothing: use NAME=NEWNAME, NAME:TAG or NAME@DIGEST");
            }
        }

        var (refName, tagPart, digestPart) = SplitReference(reference);
        if (!hasNewName)
        {
            name = refName;
        }

        ValidateName(name, spec, input);
        var newName = SpecPart.Absent;
        if (hasNewName)
        {
            ValidateNewName(refName, spec, input);
            newName = refName == "*" ? SpecPart.Keep : SpecPart.Set(refName);
        }

        var tag = tagPart switch
        {
            null => SpecPart.Absent,
            "*" => SpecPart.Keep,
            _ when TagPattern().IsMatch(tagPart) => SpecPart.Set(tagPart),
            _ => throw DeployException.Input(input, $"image spec '{spec}': tag '{tagPart}' is not a valid OCI tag ([A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}})"),
        };
        var digest = digestPart switch
        {
            null => SpecPart.Absent,
            "*" => SpecPart.Keep,
            _ => SpecPart.Set(ValidateDigest(digestPart, spec, input)),
        };
        return new ImageSpec(name, newName, tag, digest);
    }

    /// <summary>Parses a list given one per line or comma-separated.</summary>
    public static IReadOnlyList<ImageSpec> ParseList(string? text, string input = "images")
    {
        var specs = new List<ImageSpec>();
        foreach (var item in (text ?? string.Empty).Split(['\n', ','], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var spec = Parse(item.TrimEnd('\r'), input);
            if (specs.Any(s => s.Name == spec.Name))
            {
                throw DeployException.Input(input, $"image '{spec.Name}' is given twice");
            }

            specs.Add(spec);
        }

        return specs;
    }

    /// <summary>
    /// Promotion and rollback copy an entry exactly, so it is checked exactly: a reference no registry
    /// accepts (or one carrying a line break, which would also forge log lines) is refused at read time.
    /// </summary>
    public static void RequireCopyable(ImageEntry entry, string source)
    {
        try
        {
            Parse(entry.ToString(), "images");
        }
        catch (DeployException e)
        {
            throw new DeployException(ErrorKind.InvalidFile, $"{source} sets image '{entry.Name}' to a reference that cannot be promoted or restored: {e.Message["input 'images': ".Length..]}", e);
        }
    }

    /// <summary>
    /// True when <paramref name="text"/> reads as an image reference (<c>[host/]path[:tag][@digest]</c>, path lowercase), and
    /// not as a bare version such as <c>1.27.3</c>, <c>v2</c> or <c>20240101</c> (valid as a repository name only by accident).
    /// </summary>
    public static bool LooksLikeReference(string text)
    {
        var (name, tag, digest) = SplitReference(text);
        return name.Length is > 0 and <= 255 && ReferenceNamePattern().IsMatch(name)
            && (tag is null || TagPattern().IsMatch(tag))
            && (digest is null || DigestPattern().IsMatch(digest))
            && (tag is not null || digest is not null || name.Contains('/', StringComparison.Ordinal) || !VersionPattern().IsMatch(name));
    }

    /// <summary>A spec that makes an entry exactly <paramref name="entry"/>: the exact reference is copied, never re-resolved.</summary>
    public static ImageSpec Exactly(ImageEntry entry) =>
        new(entry.Name, SpecPart.SetOrRemove(entry.NewName), SpecPart.SetOrRemove(entry.NewTag), SpecPart.SetOrRemove(entry.Digest));

    /// <summary>
    /// The entry after applying this spec. Merges instead of replacing: a tag removes the digest and
    /// a digest removes the tag unless both are given; <c>newName</c> is kept unless given; <c>*</c> keeps a part.
    /// </summary>
    public ImageEntry ApplyTo(ImageEntry? current)
    {
        var entry = current ?? new ImageEntry(Name, null, null, null);
        if (NewName.Kind == SpecPartKind.Remove || Tag.Kind == SpecPartKind.Remove || Digest.Kind == SpecPartKind.Remove)
        {
            return new ImageEntry(Name, NewName.Value, Tag.Value, Digest.Value);
        }

        var newName = NewName.Kind == SpecPartKind.Set ? NewName.Value : entry.NewName;
        var tag = entry.NewTag;
        var digest = entry.Digest;
        if (Tag.Kind == SpecPartKind.Set)
        {
            tag = Tag.Value;
            if (Digest.Kind == SpecPartKind.Absent)
            {
                digest = null;
            }
        }

        if (Digest.Kind == SpecPartKind.Set)
        {
            digest = Digest.Value;
            if (Tag.Kind == SpecPartKind.Absent)
            {
                tag = null;
            }
        }

        return entry with { NewName = newName, NewTag = tag, Digest = digest };
    }

    public override string ToString()
    {
        var reference = NewName.Kind == SpecPartKind.Absent ? Name : Name + "=" + NewName;
        if (Tag.Kind != SpecPartKind.Absent)
        {
            reference += ":" + Tag;
        }

        return Digest.Kind != SpecPartKind.Absent ? reference + "@" + Digest : reference;
    }

    private static (string Name, string TagOrDigest) SplitName(string spec)
    {
        var (name, tag, digest) = SplitReference(spec);
        return (name, (tag ?? string.Empty) + (digest ?? string.Empty));
    }

    /// <summary>Splits <c>name[:tag][@digest]</c>; a colon before the last '/' is a registry port, not a tag.</summary>
    private static (string Name, string? Tag, string? Digest) SplitReference(string reference)
    {
        string? digest = null;
        var at = reference.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = reference[(at + 1)..];
            reference = reference[..at];
        }

        string? tag = null;
        var colon = reference.LastIndexOf(':');
        if (colon > reference.LastIndexOf('/'))
        {
            tag = reference[(colon + 1)..];
            reference = reference[..colon];
        }

        return (reference, tag, digest);
    }

    private static void ValidateName(string name, string spec, string input)
    {
        if (!NamePattern().IsMatch(name))
        {
            throw DeployException.Input(input, $"image spec '{spec}': '{name}' is not a valid image name");
        }
    }

    /// <summary>
    /// newName is what the cluster pulls, so it must be a reference a registry accepts: the distribution
    /// grammar (lowercase path components with single separators, an optional host[:port] first).
    /// </summary>
    private static void ValidateNewName(string name, string spec, string input)
    {
        if (name == "*")
        {
            return;
        }

        if (name.Length > 255 || !ReferenceNamePattern().IsMatch(name))
        {
            var hint = name.Any(char.IsUpper) && name.Contains('/', StringComparison.Ordinal) ? "; repository paths are lowercase" : string.Empty;
            throw DeployException.Input(input, $"image spec '{spec}': newName '{name}' is not a valid image reference ([host[:port]/]path, path components [a-z0-9] joined by '.', '_', '__' or '-'){hint}");
        }
    }

    private static string ValidateDigest(string digest, string spec, string input)
    {
        var match = DigestPattern().Match(digest);
        if (!match.Success)
        {
            throw DeployException.Input(input, $"image spec '{spec}': digest '{digest}' is not 'algorithm:hex'");
        }

        if (match.Groups["alg"].Value == "sha256" && !Sha256Pattern().IsMatch(match.Groups["hex"].Value))
        {
            throw DeployException.Input(input, $"image spec '{spec}': a sha256 digest has exactly 64 lowercase hex digits");
        }

        if (match.Groups["alg"].Value == "sha512" && !Sha512Pattern().IsMatch(match.Groups["hex"].Value))
        {
            throw DeployException.Input(input, $"image spec '{spec}': a sha512 digest has exactly 128 lowercase hex digits");
        }

        return digest;
    }

    private static string Printable(string s) => s.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal);

    // Registry host (optional port) and path components as the distribution spec allows; uppercase
    // is accepted in the name kustomize matches because kustomize does not normalise it either.
    [GeneratedRegex(@"^[A-Za-z0-9]+([._-][A-Za-z0-9]+|__)*(:[0-9]+)?(/[A-Za-z0-9]+([._-]+[A-Za-z0-9]+)*)*$")]
    private static partial Regex NamePattern();

    // distribution/reference: name := [domain '/'] remote-name; domain := host [':' port]; host := domain-name | '[' IPv6 ']'.
    [GeneratedRegex(@"^(?:(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")]
    private static partial Regex ReferenceNamePattern();

    [GeneratedRegex("^v?[0-9]+([._-][0-9A-Za-z]+)*$")]
    private static partial Regex VersionPattern();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex TagPattern();

    [GeneratedRegex("^(?<alg>[a-z0-9]+([+._-][a-z0-9]+)*):(?<hex>[a-zA-Z0-9=_-]+)$")]
    private static partial Regex DigestPattern();

    [GeneratedRegex("^[a-f0-9]{64}$")]
    private static partial Regex Sha256Pattern();

    [GeneratedRegex("^[a-f0-9]{128}$")]
    private static partial Regex Sha512Pattern();
}

/// <summary>An entry of a kustomization's <c>images:</c> list.</summary>
public sealed record ImageEntry(string Name, string? NewName, string? NewTag, string? Digest)
{
    /// <summary>The image reference kustomize renders: <c>NAME=NEWNAME:TAG[@DIGEST]</c> form used in outputs.</summary>
    public override string ToString()
    {
        var reference = NewName ?? Name;
        if (NewTag is not null)
        {
            reference += ":" + NewTag;
        }

        if (Digest is not null)
        {
            reference += "@" + Digest;
        }

        return Name + "=" + reference;
    }
}
