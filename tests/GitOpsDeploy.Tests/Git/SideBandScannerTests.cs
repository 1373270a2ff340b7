using System.Text;
using GitOpsDeploy.Git;

namespace GitOpsDeploy.Tests.Git;

/// <summary>The push transport's reading of a receive-pack answer: what the server says on side bands 2 and 3.</summary>
[Trait("Tier", "Adapter")]
public sealed class SideBandScannerTests
{
    private static byte[] Packet(byte band, string text)
    {
        var payload = Encoding.UTF8.GetBytes(text);
        return [.. Encoding.ASCII.GetBytes((payload.Length + 5).ToString("x4")), band, .. payload];
    }

    private static readonly byte[] Flush = "0000"u8.ToArray();

    [Fact]
    public void Keeps_the_hooks_lines_and_drops_the_report_and_the_progress_meter()
    {
        var lines = new List<string>();
        var scanner = new PushTransport.SideBandScanner(lines);
        byte[] answer =
        [
            .. Packet(2, "Resolving deltas:  50% (1/2)\rResolving deltas: 100% (2/2)\rResolving deltas: 100% (2/2), done.\n"),
            .. Packet(2, "error: GH006: Protected branch update failed for refs/heads/main.\nerror: Commits must"),
            .. Packet(2, " have verified signatures.\n"),
            .. Packet(1, "000eunpack ok\n0033ng refs/heads/main pre-receive hook declined\n0000"),
            .. Packet(3, "fatal: the end\n"),
            .. Flush,
        ];

        // Byte by byte: a packet may arrive in any number of reads.
        foreach (var b in answer)
        {
            scanner.Feed([b]);
        }

        Assert.Equal(
            ["Resolving deltas: 100% (2/2), done.", "error: GH006: Protected branch update failed for refs/heads/main.", "error: Commits must have verified signatures.", "fatal: the end"],
            lines);
    }

    [Fact]
    public void Stops_looking_at_an_answer_that_is_not_pkt_lines()
    {
        var lines = new List<string>();
        var scanner = new PushTransport.SideBandScanner(lines);

        scanner.Feed("<html>502 Bad Gateway</html>"u8);
        scanner.Feed(Packet(2, "error: after the garbage\n"));

        Assert.Empty(lines);
    }
}
