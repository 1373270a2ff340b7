using System.Text.RegularExpressions;

namespace GitOpsDeploy.Manifests.Images;

/// <summary>
/// One entry of a kustomization's <c>images:</c> list, as kustomize reads it. Empty strings mean
/// "not given", as in kustomize (a field set to <c>""</c> does nothing).
/// </summary>
public sealed record KustomizeImage(string Name, string? NewName = null, string? NewTag = null, string? Digest = null, string? TagSuffix = null)
{
    public override string ToString()
    {
        var text = Name;
        if (!string.IsNullOrEmpty(NewName))
        {
            text += "=" + NewName;
        }

        if (!string.IsNullOrEmpty(NewTag))
        {
            text += ":" + NewTag;
        }

        if (!string.IsNullOrEmpty(TagSuffix))
        {
            text += " (tag suffix " + TagSuffix + ")";
        }

        return string.IsNullOrEmpty(Digest) ? text : text + "@" + Digest;
    }
}

/// <summary>
/// kustomize's images transformer (api/filters/imagetag, api/internal/image), reproduced exactly:
/// an entry matches a container image when the image is the entry's name followed by nothing, a
/// tag, a <c>@sha256:</c> digest, or both. The name is used as a regular expression, as kustomize
/// does (so <c>.</c> matches any character); <c>nginx</c> does not match <c>docker.io/library/nginx</c>
/// nor the reverse, since no registry normalisation takes place.
/// </summary>
public static class ImageTransform
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(200);

    /// <summary>True when kustomize's entry named <paramref name="name"/> rewrites <paramref name="image"/>.</summary>
    public static bool IsMatched(string image, string name)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(name);
        try
        {
            // Go's RE2 and .NET agree on the syntax image names use; an invalid pattern matches nothing.
            return Regex.IsMatch(image, "^" + name + "(:[a-zA-Z0-9_.{}-]*)?(@sha256:[a-zA-Z0-9_.{}-]*)?$", RegexOptions.CultureInvariant, MatchTimeout);
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// Splits <c>[host[:port]/]path[:tag][@digest]</c> as kustomize does: the first '/' ends the part
    /// where a ':' is a port, then the first '@' starts the digest and the first ':' the tag.
    /// </summary>
    public static (string Name, string Tag, string Digest) Split(string image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var searchFrom = image.IndexOf('/', StringComparison.Ordinal);
        if (searchFrom <= 0)
        {
            searchFrom = 0;
        }

        var search = image[searchFrom..];
        var at = search.IndexOf('@', StringComparison.Ordinal);
        var colon = search.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 && at < 0)
        {
            return (image, string.Empty, string.Empty);
        }

        if (at >= 0 && (at < colon || colon < 0))
        {
            at += searchFrom;
            return (image[..at], string.Empty, image[(at + 1)..]);
        }

        if (at >= 0)
        {
            at += searchFrom;
            colon += searchFrom;
            return (image[..colon], image[(colon + 1)..at], image[(at + 1)..]);
        }

        colon += searchFrom;
        return (image[..colon], image[(colon + 1)..], string.Empty);
    }

    /// <summary>The image after <paramref name="entry"/>, or <paramref name="image"/> unchanged when the entry does not match it.</summary>
    public static string Apply(string image, KustomizeImage entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (!IsMatched(image, entry.Name))
        {
            return image;
        }

        var (name, tag, digest) = Split(image);
        if (!string.IsNullOrEmpty(entry.NewName))
        {
            name = entry.NewName;
        }

        var newTag = entry.NewTag ?? string.Empty;
        var newDigest = entry.Digest ?? string.Empty;
        if (newTag.Length > 0 && newDigest.Length > 0)
        {
            (tag, digest) = (newTag, newDigest);
        }
        else if (newTag.Length > 0)
        {
            (tag, digest) = (newTag, string.Empty);
        }
        else if (newDigest.Length > 0)
        {
            (tag, digest) = (string.Empty, newDigest);
        }
        else if (!string.IsNullOrEmpty(entry.TagSuffix))
        {
            (tag, digest) = (tag + entry.TagSuffix, string.Empty);
        }

        if (tag.Length > 0)
        {
            name += ":" + tag;
        }

        return digest.Length > 0 ? name + "@" + digest : name;
    }

    /// <summary>The name part of an image reference (what an <c>images:</c> entry's name would have to be).</summary>
    public static string NameOf(string image) => Split(image).Name;
}
