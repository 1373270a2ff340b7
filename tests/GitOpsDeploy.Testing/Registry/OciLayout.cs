using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace GitOpsDeploy.Registry.Tests;

/// <summary>A manifest (or index) written into a layout: its digest is the sha256 of exactly these bytes.</summary>
public sealed record OciManifest(string Digest, string MediaType, byte[] Bytes);

/// <summary>
/// A tiny OCI image layout on disk (oci-layout, index.json, blobs/sha256/…) that skopeo copies with
/// <c>oci:DIR:TAG</c>: each image is a config blob, one gzip layer holding one file, and a manifest; an index
/// references one such image per platform.
/// </summary>
public sealed class OciLayout : IDisposable
{
    private readonly Dictionary<string, OciManifest> tags = new(StringComparer.Ordinal);

    public OciLayout()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("oci-layout-").FullName;
        System.IO.Directory.CreateDirectory(System.IO.Path.Combine(Directory, "blobs", "sha256"));
        File.WriteAllText(System.IO.Path.Combine(Directory, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""");
        WriteIndex();
    }

    public string Directory { get; }

    /// <summary>An image for one platform whose layer holds <paramref name="content"/> (unique by default), tagged in the layout when <paramref name="tag"/> is given.</summary>
    public OciManifest AddImage(string? tag, string architecture = "amd64", string? content = null)
    {
        var (layer, diffId) = Layer(content ?? $"built {Guid.NewGuid()} for {architecture}\n");
        var layerDigest = WriteBlob(layer);
        var config = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
        {
            architecture,
            os = "linux",
            config = new { Cmd = new[] { "/hello.txt" } },
            rootfs = new { type = "layers", diff_ids = new[] { diffId } },
        }));
        var configDigest = WriteBlob(config);
        var manifest = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
        {
            schemaVersion = 2,
            mediaType = ManifestMediaTypes.OciManifest,
            config = new { mediaType = "application/vnd.oci.image.config.v1+json", digest = configDigest, size = config.Length },
            layers = new[] { new { mediaType = "application/vnd.oci.image.layer.v1.tar+gzip", digest = layerDigest, size = layer.Length } },
        }));
        var result = new OciManifest(WriteBlob(manifest), ManifestMediaTypes.OciManifest, manifest);
        Tag(tag, result);
        return result;
    }

    /// <summary>A multi-platform OCI index over one new image per architecture, tagged in the layout.</summary>
    public (OciManifest Index, IReadOnlyList<OciManifest> Images) AddIndex(string tag, params string[] architectures)
    {
        var images = architectures.Select(a => AddImage(null, a)).ToList();
        var index = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
        {
            schemaVersion = 2,
            mediaType = ManifestMediaTypes.OciIndex,
            manifests = images.Zip(architectures).Select(p => new
            {
                mediaType = p.First.MediaType,
                digest = p.First.Digest,
                size = p.First.Bytes.Length,
                platform = new { architecture = p.Second, os = "linux" },
            }).ToArray(),
        }));
        var result = new OciManifest(WriteBlob(index), ManifestMediaTypes.OciIndex, index);
        Tag(tag, result);
        return (result, images);
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp dir left behind is harmless.
        }
    }

    private void Tag(string? tag, OciManifest manifest)
    {
        if (tag is not null)
        {
            tags[tag] = manifest;
            WriteIndex();
        }
    }

    private void WriteIndex()
    {
        var index = new
        {
            schemaVersion = 2,
            manifests = tags.Select(t => new
            {
                mediaType = t.Value.MediaType,
                digest = t.Value.Digest,
                size = t.Value.Bytes.Length,
                annotations = new Dictionary<string, string> { ["org.opencontainers.image.ref.name"] = t.Key },
            }).ToArray(),
        };
        File.WriteAllText(System.IO.Path.Combine(Directory, "index.json"), JsonSerializer.Serialize(index));
    }

    private string WriteBlob(byte[] bytes)
    {
        var hex = Convert.ToHexStringLower(SHA256.HashData(bytes));
        File.WriteAllBytes(System.IO.Path.Combine(Directory, "blobs", "sha256", hex), bytes);
        return "sha256:" + hex;
    }

    /// <summary>A gzip tar with one file, and the sha256 of the uncompressed tar (the config's diff_id).</summary>
    private static (byte[] Gzip, string DiffId) Layer(string content)
    {
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, "hello.txt")
            {
                DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
                Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            };
            writer.WriteEntry(entry);
        }

        var raw = tar.ToArray();
        using var gz = new MemoryStream();
        using (var zip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
        {
            zip.Write(raw);
        }

        return (gz.ToArray(), "sha256:" + Convert.ToHexStringLower(SHA256.HashData(raw)));
    }
}
