using System.Globalization;
using System.Text;

namespace GitOpsDeploy.Sigstore;

/// <summary>
/// A transparency log checkpoint in the signed-note format
/// (transparency-dev/formats, log/README.md): a note of lines
/// (origin, tree size, base64 root hash, optional extension lines), a blank line, then signature
/// lines <c>— &lt;name&gt; base64(4-byte key hint || signature)</c>.
/// </summary>
internal sealed class Checkpoint
{
    private const char EmDash = '\u2014';

    public required string Origin { get; init; }

    public required long TreeSize { get; init; }

    public required byte[] RootHash { get; init; }

    /// <summary>The signed text: every note line with its newline, the blank separator excluded.</summary>
    public required byte[] SignedText { get; init; }

    public required IReadOnlyList<NoteSignature> Signatures { get; init; }

    /// <exception cref="FormatException">Not a signed note checkpoint.</exception>
    public static Checkpoint Parse(string envelope)
    {
        var separator = envelope.IndexOf("\n\n", StringComparison.Ordinal);
        if (separator < 0)
        {
            throw new FormatException("the checkpoint has no blank line between the note and its signatures");
        }

        var note = envelope[..(separator + 1)];
        var lines = note.Split('\n');
        // The note ends with '\n', so the split leaves a last empty element.
        if (lines.Length < 4)
        {
            throw new FormatException("the checkpoint note has fewer than three lines");
        }

        if (!long.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            throw new FormatException($"the checkpoint tree size \"{lines[1]}\" is not a number");
        }

        byte[] root;
        try
        {
            root = Convert.FromBase64String(lines[2]);
        }
        catch (FormatException)
        {
            throw new FormatException("the checkpoint root hash is not base64");
        }

        var signatures = new List<NoteSignature>();
        foreach (var line in envelope[(separator + 2)..].Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            var parts = line.Split(' ');
            if (parts.Length != 3 || parts[0] != EmDash.ToString())
            {
                throw new FormatException($"the checkpoint signature line \"{line}\" is malformed");
            }

            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(parts[2]);
            }
            catch (FormatException)
            {
                throw new FormatException("a checkpoint signature is not base64");
            }

            if (bytes.Length < 5)
            {
                throw new FormatException("a checkpoint signature is too short");
            }

            signatures.Add(new NoteSignature(parts[1], bytes[..4], bytes[4..]));
        }

        if (signatures.Count == 0)
        {
            throw new FormatException("the checkpoint is not signed");
        }

        return new Checkpoint
        {
            Origin = lines[0],
            TreeSize = size,
            RootHash = root,
            SignedText = Encoding.UTF8.GetBytes(note),
            Signatures = signatures,
        };
    }
}

internal sealed record NoteSignature(string Name, byte[] KeyHint, byte[] Signature);
