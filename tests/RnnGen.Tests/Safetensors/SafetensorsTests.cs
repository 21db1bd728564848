using System.Buffers.Binary;
using System.Text;
using RnnGen.Safetensors;

namespace RnnGen.Tests.Safetensors;

public sealed class SafetensorsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rnngen-st-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static readonly NetworkSpec Spec = new(3, [LayerSpec.Lstm(5, bidirectional: true), LayerSpec.Dense(2)], 8);

    [Fact]
    public void Save_then_load_round_trips_parameters_and_writes_no_temporary_files()
    {
        var a = new ReferenceNetwork(Spec);
        a.InitializeParameters(1);
        string path = PathOf("model.safetensors");
        a.SaveSafetensors(path);
        a.SaveSafetensors(path); // overwrite
        Assert.Equal(["model.safetensors"], Directory.GetFiles(_dir).Select(Path.GetFileName));

        var b = new ReferenceNetwork(Spec);
        b.LoadSafetensors(path);
        Assert.Equal(a.Parameters.ToArray(), b.Parameters.ToArray());

        SafetensorsFile file = SafetensorsFile.Open(path);
        Assert.Equal(Spec, NetworkSpec.FromJson(file.Metadata[ParameterIO.SpecMetadataKey]));
        Assert.Equal(new long[] { 20, 3 }, file.Tensors["layers.0.weight_ih_l0_reverse"].Shape);
    }

    [Fact]
    public void Missing_extra_and_misshaped_tensors_are_named_with_expected_and_actual_shapes()
    {
        var other = new NetworkSpec(4, [LayerSpec.Lstm(5), LayerSpec.Dense(2), LayerSpec.Dense(1)], 8);
        var net = new ReferenceNetwork(other);
        string path = PathOf("other.safetensors");
        net.SaveSafetensors(path);

        var target = new ReferenceNetwork(Spec);
        target.InitializeParameters(2);
        float[] before = target.Parameters.ToArray();
        var e = Assert.Throws<InvalidDataException>(() => target.LoadSafetensors(path));
        Assert.Contains("tensor layers.0.weight_ih_l0: expected shape [20, 3], the file has [20, 4]", e.Message);
        Assert.Contains("missing tensor layers.0.weight_ih_l0_reverse: expected shape [20, 3]", e.Message);
        Assert.Contains("tensor layers.1.weight: expected shape [2, 10], the file has [2, 5]", e.Message);
        Assert.Contains("extra tensor layers.2.weight [1, 2]", e.Message);
        Assert.Equal(before, target.Parameters.ToArray()); // all-or-nothing
    }

    public static TheoryData<string, NetworkSpec, string> OtherFunctions() => new()
    {
        { "activation", new NetworkSpec(3, [LayerSpec.Gru(4), LayerSpec.Dense(2, Activation.Tanh)], 6), "layer 2, [Dense(2, Activation.Tanh)]: Activation is Sigmoid in the file and Tanh in this model" },
        { "Elman", new NetworkSpec(3, [LayerSpec.Rnn(4, Activation.Tanh), LayerSpec.Dense(2, Activation.Sigmoid)], 6), null! },
        { "loss", new NetworkSpec(3, [LayerSpec.Gru(4), LayerSpec.Dense(2, Activation.Sigmoid)], 6, loss: LossKind.None), "Loss is MeanSquaredError in the file and None in this model" },
        { "output", new NetworkSpec(3, [LayerSpec.Gru(4), LayerSpec.Dense(2, Activation.Sigmoid)], 6, output: OutputMode.LastStep), "Output is EveryStep in the file and LastStep in this model" },
        { "reduction", new NetworkSpec(3, [LayerSpec.Gru(4), LayerSpec.Dense(2, Activation.Sigmoid)], 6, reduction: Reduction.Sum), "Reduction is Mean in the file and Sum in this model" },
    };

    [Theory, MemberData(nameof(OtherFunctions))]
    public void A_file_saved_from_a_network_that_computes_something_else_is_refused_naming_the_field(string what, NetworkSpec target, string expected)
    {
        var saved = new ReferenceNetwork(new NetworkSpec(3, [LayerSpec.Gru(4), LayerSpec.Dense(2, Activation.Sigmoid)], 6));
        saved.InitializeParameters(3);
        string path = PathOf(what + ".safetensors");
        saved.SaveSafetensors(path);
        var model = new ReferenceNetwork(target);
        if (expected is null)
        {
            // Another architecture (Rnn, not Gru): the tensors' shapes speak, not the spec.
            Assert.Contains("expected shape", Assert.Throws<InvalidDataException>(() => model.LoadSafetensors(path)).Message);
            return;
        }
        float[] before = model.Parameters.ToArray();
        var e = Assert.Throws<InvalidDataException>(() => model.LoadSafetensors(path));
        Assert.Contains(expected, e.Message);
        Assert.Contains("ignoreSpecMismatch: true", e.Message);
        Assert.Contains(path, e.Message);
        Assert.Equal(before, model.Parameters.ToArray());
        model.LoadSafetensors(path, new Dictionary<string, string>(), ignoreSpecMismatch: true);
        Assert.Equal(saved.Parameters.ToArray(), model.Parameters.ToArray());
    }

    [Fact]
    public void Another_MaxSteps_is_the_same_function_and_loads()
    {
        var saved = new ReferenceNetwork(Spec);
        saved.InitializeParameters(8);
        string path = PathOf("longer.safetensors");
        saved.SaveSafetensors(path);
        var model = new ReferenceNetwork(new NetworkSpec(3, [LayerSpec.Lstm(5, bidirectional: true), LayerSpec.Dense(2)], 100));
        model.LoadSafetensors(path);
        Assert.Equal(saved.Parameters.ToArray(), model.Parameters.ToArray());
    }

    [Fact]
    public void Unused_tensors_can_be_ignored_with_a_name_map()
    {
        var source = new ReferenceNetwork(new NetworkSpec(3, [LayerSpec.Gru(4), LayerSpec.Dense(4, Activation.Tanh), LayerSpec.Dense(1)], 4));
        source.InitializeParameters(5);
        string path = PathOf("bigger.safetensors");
        source.SaveSafetensors(path);
        var target = new ReferenceNetwork(new NetworkSpec(3, [LayerSpec.Gru(4), LayerSpec.Dense(1)], 4));
        var map = new Dictionary<string, string> { ["layers.1.weight"] = "layers.2.weight", ["layers.1.bias"] = "layers.2.bias" };
        Assert.Throws<InvalidDataException>(() => target.LoadSafetensors(path, map));
        Assert.Throws<InvalidDataException>(() => target.LoadSafetensors(path, map.ToDictionary(kv => kv.Key, kv => kv.Value + "x"), true));
        target.LoadSafetensors(path, map, ignoreUnusedTensors: true);
        Assert.Equal(source.Parameter("layers.2.weight").ToArray(), target.Parameter("layers.1.weight").ToArray());
    }

    private static byte[] File(string header, int dataBytes, ulong? declaredLength = null)
    {
        byte[] h = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + h.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredLength ?? (ulong)h.Length);
        h.CopyTo(bytes, 8);
        return bytes;
    }

    public static TheoryData<string, byte[], string> Corrupt() => new()
    {
        { "empty", [], "the file has 0 bytes" },
        { "short length", [1, 2, 3], "the file has 3 bytes" },
        { "header past end", File("{}", 0, declaredLength: 1000), "only 2 bytes follow" },
        { "huge header", File("{}", 0, declaredLength: ulong.MaxValue), "the header length is 18446744073709551615 bytes; the limit" },
        { "bad json", File("{\"a\":", 0), "not valid JSON" },
        { "array header", File("[1,2]", 0), "not an object" },
        { "no dtype", File("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "'dtype' is missing" },
        { "unknown dtype", File("{\"a\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "unknown dtype 'F33'" },
        { "negative dim", File("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4), "not a non-negative integer" },
        { "offsets past end", File("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8), "reach past the data section" },
        { "size mismatch", File("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8), "needs 3×4 bytes" },
        { "reversed offsets", File("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", 8), "0 ≤ begin ≤ end" },
        { "overlap", File("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12), "overlaps" },
        { "gap", File("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "gap in the data section" },
        { "trailing data", File("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8), "cover 4 bytes of data but the data section has 8" },
        { "overflowing shape", File("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}", 4), "overflows" },
        { "duplicate", File("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "appears twice" },
        { "bad metadata", File("{\"__metadata__\":{\"x\":1}}", 0), "__metadata__.x is not a string" },
    };

    [Theory, MemberData(nameof(Corrupt))]
    public void Corrupt_files_give_a_clear_invalid_data_error(string label, byte[] bytes, string message)
    {
        string path = PathOf(label.Replace(' ', '_') + ".safetensors");
        System.IO.File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path));
        Assert.Contains(message, e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Every_truncation_of_a_valid_file_is_rejected_cleanly()
    {
        var net = new ReferenceNetwork(new NetworkSpec(2, [LayerSpec.Rnn(3), LayerSpec.Dense(1)], 4));
        net.InitializeParameters(3);
        string path = PathOf("full.safetensors");
        net.SaveSafetensors(path);
        byte[] bytes = System.IO.File.ReadAllBytes(path);
        string cut = PathOf("cut.safetensors");
        for (int length = 0; length < bytes.Length; length++)
        {
            System.IO.File.WriteAllBytes(cut, bytes.AsSpan(0, length).ToArray());
            Assert.Throws<InvalidDataException>(() => net.LoadSafetensors(cut));
        }
    }

    [Fact]
    public void Non_float_tensors_are_refused_and_half_precision_converts()
    {
        // one BF16 tensor of 2 values (1.0, -2.0), one F16 (0.5), one I64
        string header = "{\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]},\"h\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[4,6]},\"i\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[6,14]}}";
        byte[] bytes = File(header, 14);
        int d = bytes.Length - 14;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(d), 0x3F80);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(d + 2), 0xC000);
        BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(d + 4), (Half)0.5f);
        string path = PathOf("dtypes.safetensors");
        System.IO.File.WriteAllBytes(path, bytes);
        SafetensorsFile file = SafetensorsFile.Open(path);
        Assert.Equal([1f, -2f], file.ReadFloat32("b"));
        Assert.Equal([0.5f], file.ReadFloat32("h"));
        var e = Assert.Throws<InvalidDataException>(() => file.ReadFloat32("i"));
        Assert.Contains("dtype I64", e.Message);
    }

    [Fact]
    public void A_failed_write_leaves_the_previous_file_and_no_temporary()
    {
        string path = PathOf("keep.bin");
        System.IO.File.WriteAllText(path, "previous");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[100]);
            throw new InvalidOperationException("disk on fire");
        }));
        Assert.Equal("previous", System.IO.File.ReadAllText(path));
        Assert.Equal(["keep.bin"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }
}
