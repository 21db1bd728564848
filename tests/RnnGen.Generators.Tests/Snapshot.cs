using Xunit.Sdk;

namespace RnnGen.Generators.Tests;

/// <summary>
/// A small received/verified snapshot helper (Verify is not served by this registry): compares text with the
/// committed <c>Snapshots/NAME.verified.cs</c>. On a difference it writes <c>NAME.received.cs</c> beside it and fails;
/// set RNNGEN_ACCEPT_SNAPSHOTS=1 to accept the received text as the new verified snapshot.
/// </summary>
internal static class Snapshot
{
    public const string AcceptVariable = "RNNGEN_ACCEPT_SNAPSHOTS";

    public static void Verify(string name, string actual)
    {
        string directory = RepositoryPaths.Snapshots;
        string verified = Path.Combine(directory, name + ".verified.cs");
        string received = Path.Combine(directory, name + ".received.cs");
        actual = actual.Replace("\r\n", "\n");
        // The generator's version is checked here and kept out of the snapshot, so a version bump changes no snapshot.
        string version = typeof(RnnModelGenerator).Assembly.GetName().Version!.ToString();
        string stamped = $"GeneratedCode(\"RnnGen.Generators\", \"{version}\")";
        if (!actual.Contains(stamped)) throw new XunitException($"Snapshot {name}: the class is not marked [{stamped}].");
        actual = actual.Replace(stamped, "GeneratedCode(\"RnnGen.Generators\", \"{version}\")");
        if (Environment.GetEnvironmentVariable(AcceptVariable) == "1")
        {
            File.WriteAllText(verified, actual);
            if (File.Exists(received)) File.Delete(received);
            return;
        }
        string? expected = File.Exists(verified) ? File.ReadAllText(verified).Replace("\r\n", "\n") : null;
        if (expected == actual)
        {
            if (File.Exists(received)) File.Delete(received);
            return;
        }
        File.WriteAllText(received, actual);
        string[] e = (expected ?? "").Split('\n'), a = actual.Split('\n');
        int line = 0;
        while (line < Math.Min(e.Length, a.Length) && e[line] == a[line]) line++;
        throw new XunitException(expected is null
            ? $"No verified snapshot {verified}. Review {received}, then accept it with {AcceptVariable}=1."
            : $"Snapshot {name} differs at line {line + 1}:\n  verified: {(line < e.Length ? e[line] : "<end>")}\n  received: {(line < a.Length ? a[line] : "<end>")}\n" +
              $"Review {received}; accept with {AcceptVariable}=1 if the change is intended.");
    }
}
