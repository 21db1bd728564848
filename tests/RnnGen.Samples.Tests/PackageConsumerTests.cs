using System.IO.Compression;

namespace RnnGen.Samples.Tests;

/// <summary>
/// The NuGet package as a user gets it: <c>dotnet pack</c> the library into a local folder, then
/// restore a separate consumer project from that folder only (its own nuget.config with &lt;clear/&gt;, its own empty
/// package cache), build it — the generator must run from the package's analyzers/dotnet/cs — and run a generated model
/// in it, checked against the package's reference runtime.
/// </summary>
[Collection(nameof(RepositoryBuilds))]
public sealed class PackageConsumerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rnngen-package-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_consumer_restored_from_the_packed_folder_alone_generates_and_runs_a_model()
    {
        string feed = Path.Combine(_dir, "feed"), consumer = Path.Combine(_dir, "consumer"), cache = Path.Combine(_dir, "packages");
        Directory.CreateDirectory(consumer);
        var (code, output) = Dotnet(Repository.Root, "pack", Path.Combine(Repository.Root, "src", "RnnGen", "RnnGen.csproj"), "-c", Repository.Configuration, "--no-build", "-o", feed);
        Assert.True(code == 0, $"dotnet pack failed:\n{output}");

        string package = Path.Combine(feed, "RnnGen.0.1.0.nupkg");
        Assert.True(File.Exists(Path.Combine(feed, "RnnGen.0.1.0.snupkg")), "no symbol package");
        using (ZipArchive zip = ZipFile.OpenRead(package))
        {
            string[] entries = zip.Entries.Select(e => e.FullName).ToArray();
            Assert.Contains("lib/net8.0/RnnGen.dll", entries);
            Assert.Contains("analyzers/dotnet/cs/RnnGen.Generators.dll", entries);
            Assert.Contains("README.md", entries);
            using var nuspec = new StreamReader(zip.GetEntry("RnnGen.nuspec")!.Open());
            string text = nuspec.ReadToEnd();
            Assert.Contains("<license type=\"expression\">MIT</license>", text);
            Assert.Contains("<readme>README.md</readme>", text);
            Assert.DoesNotContain("RnnGen.Generators", text);   // the generator is inside, not a dependency
        }
        // The package's one dependency comes into the same folder (from the machine's package cache), so that the
        // consumer restores from this folder and nothing else.
        string tensors = Path.Combine(GlobalPackages, "system.numerics.tensors", "10.0.0", "system.numerics.tensors.10.0.0.nupkg");
        Assert.True(File.Exists(tensors), $"{tensors} is missing: restore the solution first.");
        File.Copy(tensors, Path.Combine(feed, Path.GetFileName(tensors)));

        File.WriteAllText(Path.Combine(consumer, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="RnnGen" Version="0.1.0" />
              </ItemGroup>
            </Project>
            """);
        // No implicit usings: the generated code must not rely on any.
        File.WriteAllText(Path.Combine(consumer, "Program.cs"), """
            using System;
            using System.Linq;
            using RnnGen;

            var model = new PackagedModel();
            model.InitializeParameters(7);
            var reference = new ReferenceNetwork(PackagedModel.Spec);
            model.Parameters.CopyTo(reference.Parameters);
            var inputs = new float[5 * PackagedModel.InputSize];
            for (int i = 0; i < inputs.Length; i++) inputs[i] = MathF.Sin(i);
            float[] a = new float[5 * PackagedModel.OutputSize], b = new float[a.Length];
            model.Forward(inputs, 5, a);
            reference.Forward(inputs, 5, b);
            float worst = a.Zip(b, (x, y) => MathF.Abs(x - y)).Max();
            Console.WriteLine($"generated {PackagedModel.ParameterCount} parameters; first output {a[0]:F6}; largest difference from the reference {worst:G3}");
            Console.WriteLine(worst < 1e-5f ? "consumer ok" : "consumer MISMATCH");

            [RnnModel(InputSize = 2, MaxSteps = 8)]
            [Lstm(8)]
            [Gru(4)]
            [Dense(1)]
            internal partial class PackagedModel;
            """);

        var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = cache };
        (code, output) = Dotnet(consumer, environment, "build", "-c", "Release");
        Assert.True(code == 0, $"the consumer did not build from the package:\n{output}");
        Assert.True(Directory.Exists(Path.Combine(cache, "rnngen", "0.1.0")), "RnnGen was not restored into the consumer's own cache");
        (code, output) = Dotnet(consumer, environment, Path.Combine(consumer, "bin", "Release", "net10.0", "Consumer.dll"));
        Assert.True(code == 0, output);
        Assert.Contains("consumer ok", output);
    }

    private static (int Code, string Output) Dotnet(string directory, params string[] arguments) =>
        Repository.Run("dotnet", directory, null, TimeSpan.FromMinutes(4), arguments);

    private static (int Code, string Output) Dotnet(string directory, Dictionary<string, string> environment, params string[] arguments) =>
        Repository.Run("dotnet", directory, environment, TimeSpan.FromMinutes(4), arguments);

    private static string GlobalPackages =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
}
