// Builds small Keras models with TensorFlow.js layers (@tensorflow/tfjs, its pure-JavaScript CPU backend), fills
// every weight from a fixed-seed generator, runs them on fixed inputs and writes, per model, into
// tests/RnnGen.Tests/Fixtures/keras/:
//   <name>.json           the model in the JSON layout RTNeural's python/model_utils.py save_model writes
//                         ({"in_shape", "layers": [{"type", "activation", "shape", "weights"}]}), written here by our
//                         own code; tools/make_keras_h5.py turns these into .h5 and .keras files
//   <name>.expected.json  {"steps", "input": [steps][features], "output": [steps][units] or [units] (last step)}
// Run: cd tools/keras-reference && npm ci && node make_fixtures.js
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');

const outDir = path.join(__dirname, '..', '..', 'tests', 'RnnGen.Tests', 'Fixtures', 'keras');

// mulberry32: a small deterministic generator, uniform in [lo, hi).
function generator(seed) {
  let a = seed >>> 0;
  return (lo, hi) => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return lo + (hi - lo) * u;
  };
}

function fill(shape, next, scale) {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = next(-scale, scale);
  return tf.tensor(v, shape);
}

function nested(t) { return t.arraySync(); }

// One RTNeural layer entry (model_utils.save_layer) for a tfjs layer.
function rtneuralLayer(layer) {
  const cls = layer.getClassName();
  let type, activation = '', inner = layer;
  if (cls === 'TimeDistributed') { type = 'time-distributed-dense'; inner = layer.layer; }
  else if (cls === 'GRU') type = 'gru';
  else if (cls === 'LSTM') type = 'lstm';
  else if (cls === 'SimpleRNN') type = 'simple-rnn';   // not an RTNeural type: RnnGen's reader also takes it
  else if (cls === 'Dense') type = 'dense';
  else throw new Error('no RTNeural type for ' + cls);
  const act = inner.getConfig().activation;
  if (['tanh', 'relu', 'sigmoid', 'softmax', 'elu'].includes(act)) activation = act;
  const shape = layer.outputShape.map(d => (d === undefined ? null : d));
  return { type, activation, shape, weights: layer.getWeights().map(nested) };
}

function build(name, seed, steps, features, addLayers) {
  const next = generator(seed);
  const model = tf.sequential();
  addLayers(model, features);
  for (const layer of model.layers) {
    const ws = layer.getWeights().map(w => fill(w.shape, next, 0.6));
    layer.setWeights(ws);
  }
  const input = fill([1, steps, features], next, 1.0);
  const output = model.predict(input);
  const json = { in_shape: [null, null, features], layers: model.layers.map(rtneuralLayer) };
  const out = output.arraySync()[0];
  const expected = { steps, input: input.arraySync()[0], output: out };
  fs.writeFileSync(path.join(outDir, name + '.json'), JSON.stringify(json, null, 1) + '\n');
  fs.writeFileSync(path.join(outDir, name + '.expected.json'), JSON.stringify(expected) + '\n');
  console.log(`${name}: ${model.layers.map(l => l.getClassName()).join(' → ')}, output ${JSON.stringify(output.shape)}`);
}

const L = tf.layers;
fs.mkdirSync(outDir, { recursive: true });

// LSTM → Dense applied at every step (a Dense on a sequence, which is what RTNeural's "dense" runs per sample).
build('keras_lstm_dense', 11, 7, 3, (m, f) => {
  m.add(L.lstm({ units: 8, returnSequences: true, recurrentActivation: 'sigmoid', inputShape: [null, f] }));
  m.add(L.dense({ units: 2 }));
});

// GRU (reset_after=False, tfjs' only GRU) → TimeDistributed(Dense, tanh) → Dense(sigmoid).
build('keras_gru_v1_heads', 12, 6, 2, (m, f) => {
  m.add(L.gru({ units: 6, returnSequences: true, recurrentActivation: 'sigmoid', inputShape: [null, f] }));
  m.add(L.timeDistributed({ layer: L.dense({ units: 4, activation: 'tanh' }) }));
  m.add(L.dense({ units: 1, activation: 'sigmoid' }));
});

// TimeDistributed(Dense, relu) first, then stacked LSTM → LSTM → Dense(softmax).
build('keras_stacked_lstm_softmax', 13, 5, 4, (m, f) => {
  m.add(L.timeDistributed({ layer: L.dense({ units: 5, activation: 'relu' }), inputShape: [null, f] }));
  m.add(L.lstm({ units: 6, returnSequences: true, recurrentActivation: 'sigmoid' }));
  m.add(L.lstm({ units: 4, returnSequences: true, recurrentActivation: 'sigmoid' }));
  m.add(L.dense({ units: 3, activation: 'softmax' }));
});

// LSTM → GRU (reset_after=False) with return_sequences=False: the model's output is the last step only.
build('keras_lstm_gru_v1_last', 14, 8, 3, (m, f) => {
  m.add(L.lstm({ units: 5, returnSequences: true, recurrentActivation: 'sigmoid', inputShape: [null, f] }));
  m.add(L.gru({ units: 4, returnSequences: false, recurrentActivation: 'sigmoid' }));
  m.add(L.dense({ units: 2, activation: 'relu' }));
});

// SimpleRNN (relu) → Dense: RnnGen's [Rnn(h, Activation = Relu)].
build('keras_simplernn_relu', 15, 6, 2, (m, f) => {
  m.add(L.simpleRNN({ units: 5, activation: 'relu', returnSequences: true, inputShape: [null, f] }));
  m.add(L.dense({ units: 2 }));
});
