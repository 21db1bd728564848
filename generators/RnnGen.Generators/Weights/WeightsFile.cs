using System;
using System.IO;
using System.Security;
using System.Security.Cryptography;

namespace RnnGen.Generators.Weights;

/// <summary>
/// A weights file as read for one build: its full path, whether it exists, its bytes (or why they could not be
/// read) and a hash of them. Equal when the content is: a rebuild with the same file re-emits nothing, a changed
/// file (even with the same length and time) re-bakes the model. The bytes are kept so that the file is read once
/// per build and parsed from exactly what was hashed.
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

    /// <summary>Reads <paramref name="weights"/>, relative to the project directory (build_property.ProjectDir)
    /// unless rooted; null when the path itself is malformed.</summary>
    public static WeightsFile? Read(string? projectDirectory, string weights)
    {
        string path;
        try
        {
            path = System.IO.Path.IsPathRooted(weights) || string.IsNullOrEmpty(projectDirectory)
                ? weights
                : System.IO.Path.Combine(projectDirectory, weights);
            path = System.IO.Path.GetFullPath(path);
#pragma warning disable RS1035 // File IO: the weights are a binary file the compiler cannot pass in (CS2015 refuses binary AdditionalFiles).
            if (!new FileInfo(path).Exists) return new WeightsFile(path, false, null, null);
#pragma warning restore RS1035
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or IOException or UnauthorizedAccessException or SecurityException)
        {
            return null;
        }
        try
        {
#pragma warning disable RS1035 // File IO: see above.
            return new WeightsFile(path, true, File.ReadAllBytes(path), null);
#pragma warning restore RS1035
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new WeightsFile(path, true, null, e.Message);
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
