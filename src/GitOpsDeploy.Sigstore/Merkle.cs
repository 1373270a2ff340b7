using System.Security.Cryptography;

namespace GitOpsDeploy.Sigstore;

/// <summary>RFC 6962 / RFC 9162 Merkle tree hashing and inclusion-proof verification.</summary>
internal static class Merkle
{
    /// <summary>MTH of a single leaf: SHA-256(0x00 || leaf).</summary>
    public static byte[] HashLeaf(ReadOnlySpan<byte> leaf)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData([0x00]);
        hash.AppendData(leaf);
        return hash.GetHashAndReset();
    }

    /// <summary>An interior node: SHA-256(0x01 || left || right).</summary>
    public static byte[] HashChildren(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData([0x01]);
        hash.AppendData(left);
        hash.AppendData(right);
        return hash.GetHashAndReset();
    }

    /// <summary>
    /// Computes the root that an audit path proves for the leaf at <paramref name="index"/> in a tree of
    /// <paramref name="treeSize"/> leaves (RFC 9162 section 2.1.3.2), or null when the path cannot belong
    /// to such a tree (index out of range, a path too short or too long, a hash that is not 32 bytes).
    /// </summary>
    public static byte[]? RootFromInclusionProof(long index, long treeSize, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> path)
    {
        if (index < 0 || treeSize <= 0 || index >= treeSize || leafHash.Length != 32)
        {
            return null;
        }

        var fn = index;
        var sn = treeSize - 1;
        var r = leafHash.ToArray();
        foreach (var p in path)
        {
            if (p.Length != 32 || sn == 0)
            {
                return null;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                r = HashChildren(p, r);
                if ((fn & 1) == 0)
                {
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            }
            else
            {
                r = HashChildren(r, p);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 ? r : null;
    }

    /// <summary>True when the audit path proves the leaf hash is in the tree with the given root.</summary>
    public static bool VerifyInclusion(long index, long treeSize, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> path, ReadOnlySpan<byte> root)
    {
        var computed = RootFromInclusionProof(index, treeSize, leafHash, path);
        return computed is not null && CryptographicOperations.FixedTimeEquals(computed, root);
    }
}
