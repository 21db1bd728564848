namespace RnnGen.Safetensors;

/// <summary>Write-to-temporary-then-rename, so nothing half-written is ever left at the destination.</summary>
public static class AtomicFile
{
    /// <summary>Calls <paramref name="write"/> on a temporary file next to <paramref name="path"/>, flushes it to
    /// disk, then renames it over <paramref name="path"/>. On failure the temporary file is deleted and
    /// <paramref name="path"/> is untouched.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? ".";
        string temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        RemoveOrphans(directory, Path.GetFileName(full));
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch (Exception e)
        {
            try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            // The temporary name is ours, not the caller's: report the path they gave.
            if (e is IOException or UnauthorizedAccessException) throw Named(e, path, temporary);
            throw;
        }
    }

    /// <summary>The same kind of exception as <paramref name="e"/>, its message about <paramref name="path"/> instead of
    /// the temporary file (which stays in the inner exception).</summary>
    private static Exception Named(Exception e, string path, string temporary)
    {
        string reason = e.Message.Replace(temporary, path, StringComparison.Ordinal).Replace(Path.GetFileName(temporary), Path.GetFileName(path), StringComparison.Ordinal);
        string message = $"Could not write {path}: {reason}";
        return e switch
        {
            DirectoryNotFoundException => new DirectoryNotFoundException(message, e),
            UnauthorizedAccessException => new UnauthorizedAccessException(message, e),
            PathTooLongException => new PathTooLongException(message, e),
            _ => new IOException(message, e),
        };
    }

    /// <summary>Deletes temporary files of <paramref name="name"/> left by writers that died mid-write (killed, power
    /// loss): <c>.name.&lt;pid&gt;.&lt;guid&gt;.tmp</c> whose process no longer runs. Another live writer's file is left alone.</summary>
    private static void RemoveOrphans(string directory, string name)
    {
        string[] candidates;
        try { candidates = Directory.GetFiles(directory, $".{name}.*.tmp"); }
        catch (IOException) { return; }
        catch (UnauthorizedAccessException) { return; }
        foreach (string candidate in candidates)
        {
            string[] parts = Path.GetFileName(candidate)[(name.Length + 2)..].Split('.');
            if (parts.Length != 3 || !int.TryParse(parts[0], out int pid) || pid == Environment.ProcessId || IsRunning(pid)) continue;
            try { File.Delete(candidate); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }
}
