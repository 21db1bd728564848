using System.Collections.Generic;

namespace RnnGen.Geometry;

/// <summary>
/// The geometry of a whole network: each layer's <see cref="LayerGeometry"/> with the input width it is fed, where
/// its parameters and its state start in the flat buffers, and every tensor with its PyTorch name and absolute offset
/// (layers in declaration order, each layer's directions forward then reverse).
/// </summary>
internal sealed class NetworkGeometry
{
    private readonly LayerGeometry[] _layers;
    private readonly long[] _parameterOffsets;
    private readonly int[] _stateOffsets;

    private NetworkGeometry(int inputSize, IReadOnlyList<LayerDescription> layers)
    {
        InputSize = inputSize;
        _layers = new LayerGeometry[layers.Count];
        _parameterOffsets = new long[layers.Count];
        _stateOffsets = new int[layers.Count];
        int width = inputSize, state = 0;
        long parameters = 0;
        for (int i = 0; i < layers.Count; i++)
        {
            LayerGeometry g = LayerGeometry.Of(layers[i], width);
            _layers[i] = g;
            _parameterOffsets[i] = parameters;
            _stateOffsets[i] = state;
            parameters += g.ParameterCount;
            state += g.StateWidth;
            width = g.OutputWidth;
        }
        ParameterCount = parameters;
        StateSize = state;
    }

    /// <summary>The geometry of a network fed <paramref name="inputSize"/> floats per step (0 with a first Embedding).</summary>
    public static NetworkGeometry Of(int inputSize, IReadOnlyList<LayerDescription> layers) => new(inputSize, layers);

    /// <summary>Floats per input step (0 when the first layer is an Embedding).</summary>
    public int InputSize { get; }

    /// <summary>The layers in order.</summary>
    public IReadOnlyList<LayerGeometry> Layers => _layers;

    /// <summary>Total parameters (long: a network failing the size rules may exceed an int).</summary>
    public long ParameterCount { get; }

    /// <summary>Total recurrent state floats.</summary>
    public int StateSize { get; }

    /// <summary>Floats the last layer emits per step.</summary>
    public int OutputSize => _layers[_layers.Length - 1].OutputWidth;

    /// <summary>First parameter of layer <paramref name="layer"/> in the flat buffer.</summary>
    public int ParameterOffset(int layer) => unchecked((int)_parameterOffsets[layer]);

    /// <summary>First state float of layer <paramref name="layer"/>.</summary>
    public int StateOffset(int layer) => _stateOffsets[layer];

    /// <summary>Every tensor at its absolute offset, in buffer order.</summary>
    public IEnumerable<PlacedTensor> Tensors()
    {
        for (int i = 0; i < _layers.Length; i++)
        {
            LayerGeometry g = _layers[i];
            for (int d = 0; d < g.Directions; d++)
            {
                int start = ParameterOffset(i) + g.DirectionOffset(d);
                foreach (TensorGeometry t in g.Tensors)
                    yield return new PlacedTensor(g.TensorName(i, t, d), i, d, t, start + t.Offset);
            }
        }
    }
}
