namespace RnnGen.TestSupport;

/// <summary>The rule every reader's hostile-input test checks: a damaged file either reads, or fails with an
/// InvalidDataException whose message starts with its path; anything else (another exception, a message that does not
/// name the file) fails the test, naming the case so it can be replayed.</summary>
internal static class HostileInput
{
    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> and runs <paramref name="read"/> on it.
    /// Returns true when it read, false when it was refused as it should be.</summary>
    /// <param name="what">The case, with what replays it (seed, index, kind of mutation), for the failure message.</param>
    public static bool AssertLoadsOrFailsNamingFile(string path, byte[] bytes, Action<string> read, string what)
    {
        File.WriteAllBytes(path, bytes);
        try
        {
            read(path);
            return true;
        }
        catch (InvalidDataException e)
        {
            if (!e.Message.StartsWith(path + ": ", StringComparison.Ordinal))
                Assert.Fail($"{what}: the message does not start with the file's path: {e.Message}");
            return false;
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: {e.GetType().Name}: {e.Message} — only InvalidDataException (starting with the path) is documented\n{e.StackTrace}");
            return false;
        }
    }
}
