using System.IO.Compression;
using System.Text;
using RnnGen.Keras;
using RnnGen.Safetensors;

namespace RnnGen.Tests.Safetensors;

/// <summary>
/// Keras' own files (tools/make_keras_h5.py writes the JSON fixtures' weights as a legacy .h5 and a Keras 3 .keras):
/// they import to exactly the network and parameters of their JSON twin and run within 1e-5 of TensorFlow.js / torch;
/// damaged files fail with an InvalidDataException naming the path.
/// </summary>
public sealed class KerasFileImportTests
{
    private static string Dir => KerasFixtures.Dir;

    public static TheoryData<string, string> Files()
    {
        var data = new TheoryData<string, string>();
        foreach (string name in new[] { "keras_lstm_dense", "keras_stacked_lstm_softmax", "keras_gru_ra_dense", "keras_gru_v1_heads", "keras_lstm_gru_v1_last", "keras_simplernn_relu" })
            foreach (string ext in new[] { ".h5", ".keras" })
                data.Add(name, ext);
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void A_keras_file_imports_as_its_json_twin_and_runs_within_1e5(string name, string ext)
    {
        ImportedModel json = KerasJsonImport.Read(Path.Combine(Dir, name + ".json"));
        ImportedModel file = KerasImport.Read(Path.Combine(Dir, name + ext));
        Assert.Equal(json.Spec, file.Spec);
        Assert.Equal(json.Parameters, file.Parameters);
        var (input, steps, expected) = KerasFixtures.Expected(name);
        KerasFixtures.AssertClose(expected, KerasFixtures.RunReference(file, input, steps), name + ext);
        Assert.Contains(file.Mapped, l => l.Contains(ext == ".h5" ? "model_weights/" : "layers/", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unsupported_layer_in_the_config_is_named()
    {
        string path = Path.Combine(Path.GetTempPath(), $"rnngen-keras-{Guid.NewGuid():N}.keras");
        try
        {
            File.Copy(Path.Combine(Dir, "keras_lstm_dense.keras"), path);
            using (ZipArchive zip = ZipFile.Open(path, ZipArchiveMode.Update))
            {
                ZipArchiveEntry config = zip.GetEntry("config.json")!;
                string text;
                using (var r = new StreamReader(config.Open())) text = r.ReadToEnd();
                config.Delete();
                using var w = new StreamWriter(zip.CreateEntry("config.json").Open());
                w.Write(text.Replace("\"class_name\": \"Dense\"", "\"class_name\": \"Conv1D\"", StringComparison.Ordinal));
            }
            var e = Assert.Throws<InvalidDataException>(() => KerasImport.Read(path));
            Assert.StartsWith(path + ": ", e.Message);
            Assert.Contains("type 'Conv1D' ('mixer1')", e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Neither_a_zip_nor_hdf5_is_refused()
    {
        string path = Path.Combine(Path.GetTempPath(), $"rnngen-keras-{Guid.NewGuid():N}.h5");
        try
        {
            File.WriteAllText(path, "not a model");
            var e = Assert.Throws<InvalidDataException>(() => KerasImport.Read(path));
            Assert.Equal($"{path}: neither a .keras zip nor an HDF5 (.h5) file.", e.Message);
        }
        finally { File.Delete(path); }
    }

    private const int Cases = 800;

    [Fact]
    public void Mutated_and_truncated_h5_and_keras_files_load_or_fail_with_an_InvalidDataException_naming_the_file()
    {
        // .h5: the file itself is mutated; .keras: its model.weights.h5 or config.json (re-zipped), or the zip's bytes.
        byte[] h5 = File.ReadAllBytes(Path.Combine(Dir, "keras_lstm_dense.h5"));
        byte[] keras = File.ReadAllBytes(Path.Combine(Dir, "keras_stacked_lstm_softmax.keras"));
        byte[] weights, config;
        using (ZipArchive zip = new(new MemoryStream(keras)))
        {
            weights = Read(zip.GetEntry("model.weights.h5")!);
            config = Read(zip.GetEntry("config.json")!);
        }
        var random = new DeterministicRandom(777);
        string dir = Directory.CreateTempSubdirectory("rnngen-keras-fuzz-").FullName;
        int loaded = 0, rejected = 0;
        try
        {
            for (int i = 0; i < Cases; i++)
            {
                int target = random.NextInt(4);
                string path = Path.Combine(dir, $"case{i}{(target == 0 ? ".h5" : ".keras")}");
                byte[] bytes = target switch
                {
                    0 => Mutate(h5, ref random),
                    1 => Zip(Mutate(weights, ref random), config),
                    2 => Zip(weights, Mutate(config, ref random)),
                    _ => Mutate(keras, ref random),
                };
                if (HostileInput.AssertLoadsOrFailsNamingFile(path, bytes, f => Assert.NotNull(KerasImport.Read(f).Parameters), $"case {i} (target {target})")) loaded++;
                else rejected++;
                File.Delete(path);
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
        Assert.True(rejected > Cases / 4, $"only {rejected} of {Cases} rejected ({loaded} loaded): the mutations are too mild");
    }

    private static byte[] Read(ZipArchiveEntry entry)
    {
        using Stream s = entry.Open();
        var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }

    private static byte[] Zip(byte[] weights, byte[] config)
    {
        var m = new MemoryStream();
        using (var zip = new ZipArchive(m, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (Stream s = zip.CreateEntry("config.json").Open()) s.Write(config);
            using (Stream s = zip.CreateEntry("model.weights.h5").Open()) s.Write(weights);
        }
        return m.ToArray();
    }

    private static readonly byte[] Edges = [0x00, 0xFF, 0x7F, 0x80, 0x01];

    private static byte[] Mutate(byte[] seed, ref DeterministicRandom random)
    {
        byte[] b = (byte[])seed.Clone();
        switch (random.NextInt(5))
        {
            case 0:
                for (int k = 1 + random.NextInt(8); k > 0; k--) b[random.NextInt(b.Length)] ^= (byte)(1 << random.NextInt(8));
                return b;
            case 1:
                return b[..random.NextInt(b.Length)];
            case 2:
            {
                int at = random.NextInt(b.Length), length = 1 + random.NextInt(Math.Min(8, b.Length - at));
                for (int k = 0; k < length; k++) b[at + k] = Edges[random.NextInt(Edges.Length)];
                return b;
            }
            case 3:
            {
                // The HDF5 superblock, object headers and B-trees sit in the first kilobytes: hit them harder.
                int span = Math.Min(b.Length, 2048);
                for (int k = 1 + random.NextInt(4); k > 0; k--) b[random.NextInt(span)] = (byte)random.NextInt(256);
                return b;
            }
            default:
            {
                string text = Encoding.Latin1.GetString(b);
                int at = random.NextInt(text.Length);
                return Encoding.Latin1.GetBytes(text.Remove(at, Math.Min(1 + random.NextInt(16), text.Length - at)));
            }
        }
    }
}
