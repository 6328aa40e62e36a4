using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace AzureEnvironment;

/// <summary>
/// The Function App package's content hash: SHA-256 over every entry's name and bytes, in name order, so
/// rebuilding the same code (new zip timestamps) gives the same hash and the app is redeployed exactly when
/// its content changes (the hash is in the package blob's name).
/// </summary>
public static class PackageHash
{
    public static string Of(string zipPath)
    {
        if (!File.Exists(zipPath))
            throw new FileNotFoundException(
                $"The Function App package '{zipPath}' does not exist. Build it with ./build.sh publish, or set exclusive-operations:packagePath to an existing zip.", zipPath);
        using var archive = ZipFile.OpenRead(zipPath);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var entry in archive.Entries.Where(e => !e.FullName.EndsWith('/')).OrderBy(e => e.FullName, StringComparer.Ordinal))
        {
            var name = Encoding.UTF8.GetBytes(entry.FullName);
            hash.AppendData(BitConverter.GetBytes(name.Length));
            hash.AppendData(name);
            using var content = entry.Open();
            using var buffer = new MemoryStream();
            content.CopyTo(buffer);
            hash.AppendData(BitConverter.GetBytes(buffer.Length));
            hash.AppendData(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The package blob's name: the first 16 hex digits of the content hash.</summary>
    public static string BlobName(string contentHash) => $"functionapp-{contentHash[..16]}.zip";
}
