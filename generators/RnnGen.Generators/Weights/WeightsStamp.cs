using System;
using System.IO;
using System.Security;

namespace RnnGen.Generators.Weights;

/// <summary>
/// What a look at a weights file's directory entry says, without reading it: its full path, whether it exists, its
/// length and last write time. Taken for every compilation (cheap); the file is read and baked only when the stamp
/// changes, as MSBuild decides what to rebuild, so an IDE does not re-read a large file on every keystroke.
/// </summary>
/// <param name="Path">The full path; null when the declared path is malformed.</param>
/// <param name="Exists">Whether there is a file at <paramref name="Path"/>.</param>
/// <param name="Length">Its length in bytes (0 when absent).</param>
/// <param name="LastWriteTicks">Its last write time, UTC ticks (0 when absent).</param>
internal readonly record struct WeightsStamp(string? Path, bool Exists, long Length, long LastWriteTicks)
{
    /// <summary>Stamps <paramref name="weights"/>, relative to the project directory (build_property.ProjectDir) unless rooted.</summary>
    public static WeightsStamp Of(string? projectDirectory, string weights)
    {
        try
        {
            string path = System.IO.Path.IsPathRooted(weights) || string.IsNullOrEmpty(projectDirectory)
                ? weights
                : System.IO.Path.Combine(projectDirectory, weights);
            path = System.IO.Path.GetFullPath(path);
#pragma warning disable RS1035 // File IO: the weights are a binary file the compiler cannot pass in (CS2015 refuses binary AdditionalFiles).
            var info = new FileInfo(path);
            return info.Exists ? new WeightsStamp(path, true, info.Length, info.LastWriteTimeUtc.Ticks) : new WeightsStamp(path, false, 0, 0);
#pragma warning restore RS1035
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or IOException or UnauthorizedAccessException or SecurityException)
        {
            return new WeightsStamp(null, false, 0, 0);
        }
    }
}
