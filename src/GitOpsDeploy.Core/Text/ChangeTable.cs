using System.Globalization;
using System.Text;
using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Editing.Overlay;

namespace GitOpsDeploy.Core.Text;

/// <summary>One overlay's change as Markdown: a table of images (from, to) and a line per Helm value. The pull request body and the run summary both show it.</summary>
internal static class ChangeTable
{
    public static string Of(OverlayEdit edit)
    {
        var sb = new StringBuilder();
        if (edit.Images.Count > 0)
        {
            sb.Append("| Image | From | To |\n|---|---|---|\n");
            foreach (var image in edit.Images)
            {
                sb.Append(CultureInfo.InvariantCulture, $"| `{image.After.Name}` | `{CommitMessage.Reference(image.Before)}` | `{CommitMessage.Reference(image.After)}` |\n");
            }
        }

        foreach (var value in edit.Values)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\n`{value.File}` `{value.Path}`: `{value.Before ?? "(unset)"}` → `{value.After}`\n");
        }

        return sb.ToString().TrimEnd('\n');
    }
}
