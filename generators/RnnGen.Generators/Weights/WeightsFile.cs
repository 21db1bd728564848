using System;
using System.IO;
using System.Security;
using System.Security.Cryptography;

namespace RnnGen.Generators.Weights;

/// <summary>
/// A weights file as read when its <see cref="WeightsStamp"/> changed: its full path, whether it exists, its bytes
/// (or why they could not be read) and a hash of them. Only the baked result is kept by the pipeline; the hash makes
/// a file rewritten with the same content re-emit nothing.
/// </summary>
internal sealed class WeightsFile : IEquatable<WeightsFile>
{
    private WeightsFile(string path, bool exists, byte[]? bytes, string? readError)
    {
        Path = path;
        Exists = exists;
        Bytes = bytes;
        ReadError = readError;
        if (bytes is not null)
        {
            using SHA256 sha = SHA256.Create();
            Hash = Convert.ToBase64String(sha.ComputeHash(bytes));
        }
    }

    /// <summary>The full path.</summary>
    public string Path { get; }

    /// <summary>Whether there is a file at <see cref="Path"/>.</summary>
    public bool Exists { get; }

    /// <summary>The file's bytes; null when it does not exist or could not be read.</summary>
    public byte[]? Bytes { get; }

    /// <summary>Why the existing file could not be read, or null.</summary>
    public string? ReadError { get; }

    /// <summary>SHA-256 of <see cref="Bytes"/> (the cache key), or null.</summary>
    public string? Hash { get; }

    /// <summary>Reads the file <paramref name="stamp"/> found; null when the declared path is malformed.</summary>
    public static WeightsFile? Read(WeightsStamp stamp)
    {
        if (stamp.Path is null) return null;
        if (!stamp.Exists) return new WeightsFile(stamp.Path, false, null, null);
        try
        {
#pragma warning disable RS1035 // File IO: the weights are a binary file the compiler cannot pass in (CS2015 refuses binary AdditionalFiles).
            return new WeightsFile(stamp.Path, true, File.ReadAllBytes(stamp.Path), null);
#pragma warning restore RS1035
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new WeightsFile(stamp.Path, true, null, e.Message);
        }
    }

    /// <inheritdoc/>
    public bool Equals(WeightsFile? other) =>
        other is not null && Path == other.Path && Exists == other.Exists && ReadError == other.ReadError && Hash == other.Hash;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as WeightsFile);

    /// <inheritdoc/>
    public override int GetHashCode() => (Path.GetHashCode() * 31 + (Hash?.GetHashCode() ?? 0)) * 31 + (ReadError?.GetHashCode() ?? 0);
}
