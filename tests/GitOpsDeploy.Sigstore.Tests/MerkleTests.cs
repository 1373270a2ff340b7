using System.Security.Cryptography;
using System.Text.Json;

namespace GitOpsDeploy.Sigstore.Tests;

[Trait("Tier", "Unit")]
public sealed class MerkleTests
{
    // The RFC 6962 reference tree (certificate-transparency's test leaves) and its roots for sizes 1..8.
    private static readonly byte[][] ReferenceLeaves =
    [
        [], [0x00], [0x10], [0x20, 0x21], [0x30, 0x31], [0x40, 0x41, 0x42, 0x43],
        [0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
        [0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f],
    ];

    private static readonly string[] ReferenceRoots =
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    public static TheoryData<string> TransparencyDevVectors()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Fixture.Path("merkle"), "*.json", SearchOption.AllDirectories).Order())
        {
            data.Add(Path.GetRelativePath(Fixture.Path("merkle"), file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(TransparencyDevVectors))]
    public void Inclusion_proofs_of_the_transparency_dev_vectors_verify_exactly_when_they_should(string vector)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Fixture.Path("merkle", vector)));
        var v = json.RootElement;
        var proof = v.GetProperty("proof").ValueKind == JsonValueKind.Array
            ? v.GetProperty("proof").EnumerateArray().Select(h => Convert.FromBase64String(h.GetString()!)).ToList()
            : [];

        // Indexes below zero are written as wrapped-around uint64 values.
        var index = v.GetProperty("leafIdx").TryGetInt64(out var signed) ? signed : -1;
        var verified = Merkle.VerifyInclusion(
            index,
            v.GetProperty("treeSize").GetInt64(),
            Convert.FromBase64String(v.GetProperty("leafHash").GetString()!),
            proof,
            Convert.FromBase64String(v.GetProperty("root").GetString()!));

        Assert.Equal(!v.GetProperty("wantErr").GetBoolean(), verified);
    }

    [Fact]
    public void The_rfc6962_reference_tree_roots_are_reproduced_for_every_leaf_of_every_size()
    {
        for (var size = 1; size <= ReferenceLeaves.Length; size++)
        {
            var leaves = ReferenceLeaves.Take(size).ToArray();
            Assert.Equal(ReferenceRoots[size - 1], Convert.ToHexStringLower(Root(leaves)));
            for (var index = 0; index < size; index++)
            {
                var computed = Merkle.RootFromInclusionProof(index, size, Merkle.HashLeaf(leaves[index]), AuditPath(index, leaves));
                Assert.Equal(ReferenceRoots[size - 1], Convert.ToHexStringLower(computed!));
            }
        }
    }

    [Fact]
    public void Every_leaf_of_trees_up_to_70_proves_and_any_altered_proof_fails()
    {
        var random = new Random(6962);
        for (var size = 1; size <= 70; size++)
        {
            var leaves = Enumerable.Range(0, size).Select(_ => RandomBytes(random, 8)).ToArray();
            var root = Root(leaves);
            for (var index = 0; index < size; index++)
            {
                var path = AuditPath(index, leaves);
                var leaf = Merkle.HashLeaf(leaves[index]);
                Assert.True(Merkle.VerifyInclusion(index, size, leaf, path, root), $"leaf {index} of {size}");
                Assert.False(Merkle.VerifyInclusion(index, size, Merkle.HashLeaf(RandomBytes(random, 8)), path, root));
                if (size > 1)
                {
                    Assert.False(Merkle.VerifyInclusion((index + 1) % size, size, leaf, path, root), $"moved leaf {index} of {size}");
                    var altered = path.Select(h => (byte[])h.Clone()).ToList();
                    altered[random.Next(altered.Count)][random.Next(32)] ^= 0x80;
                    Assert.False(Merkle.VerifyInclusion(index, size, leaf, altered, root));
                    Assert.False(Merkle.VerifyInclusion(index, size, leaf, path.Skip(1).ToList(), root));
                }

                Assert.False(Merkle.VerifyInclusion(index, size, leaf, [.. path, RandomBytes(random, 32)], root));
            }
        }
    }

    [Theory]
    [InlineData(-1, 4)]
    [InlineData(4, 4)]
    [InlineData(0, 0)]
    public void Indexes_outside_the_tree_prove_nothing(long index, long size) =>
        Assert.Null(Merkle.RootFromInclusionProof(index, size, new byte[32], []));

    [Fact]
    public void Leaf_and_node_hashes_are_domain_separated()
    {
        Assert.Equal(SHA256.HashData([0x00, 0x61]), Merkle.HashLeaf("a"u8));
        Assert.Equal(SHA256.HashData([0x01, 0x61, 0x62]), Merkle.HashChildren("a"u8, "b"u8));
    }

    /// <summary>MTH(D[n]) by RFC 6962's recursive definition.</summary>
    private static byte[] Root(byte[][] leaves)
    {
        if (leaves.Length == 1)
        {
            return Merkle.HashLeaf(leaves[0]);
        }

        var k = LargestPowerOfTwoBelow(leaves.Length);
        return Merkle.HashChildren(Root(leaves[..k]), Root(leaves[k..]));
    }

    /// <summary>PATH(m, D[n]) by RFC 6962's recursive definition.</summary>
    private static List<byte[]> AuditPath(int m, byte[][] leaves)
    {
        if (leaves.Length == 1)
        {
            return [];
        }

        var k = LargestPowerOfTwoBelow(leaves.Length);
        return m < k
            ? [.. AuditPath(m, leaves[..k]), Root(leaves[k..])]
            : [.. AuditPath(m - k, leaves[k..]), Root(leaves[..k])];
    }

    private static int LargestPowerOfTwoBelow(int n)
    {
        var k = 1;
        while (k * 2 < n)
        {
            k *= 2;
        }

        return k;
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
