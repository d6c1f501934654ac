// Training throughput: the same model (phi of (n+m) x k), data (a planted problem) and
// mini-batches trained with crossgrad's fit() and with TensorFlow.js (tf.train.adam on the
// factored formulation: U = H_A phi and V = H_B phi with a batch's gates as dense B x (n+m)
// matrices, F = rowwise <U, V>; the wasm backend has no UnsortedSegmentSum, which tf.gather's
// gradient needs, so the sparse form is not available to it). Environment-agnostic: the
// runner injects tf.

import { createModel } from "../dist/index.js";
import { plantedProblem } from "../examples/planted.js";

/**
 * Epochs per second of both, on n = m = 1000, k = 8, squared loss, Adam (lr 0.01),
 * batches of 256. Returns { crossgrad, tfjs, ratio, ... }.
 */
export async function trainingBenchmark({ tf, backend, quick = false, log = () => {} }) {
  const n = 1000,
    m = 1000,
    k = 8,
    batchSize = 256;
  const count = quick ? 4096 : 65536;
  const { observations } = plantedProblem({ n, m, k, count, seed: 5 });
  const initial = createModel({ n, m, k }, { seed: 1 });
  const phi0 = initial.phi.slice();
  initial.dispose();

  // crossgrad: a few epochs, median epoch time
  const model = createModel({ n, m, k }, { phi: phi0 });
  const crossgradEpochs = quick ? 2 : 8;
  const history = model.fit(observations, {
    epochs: crossgradEpochs,
    batchSize,
    optimizer: { type: "adam", learningRate: 0.01 },
  });
  const epochTimes = history.epochs
    .map((e, i) => e.elapsed - (i ? history.epochs[i - 1].elapsed : 0))
    .sort((a, b) => a - b);
  const crossgradEpoch = epochTimes[epochTimes.length >> 1];
  const crossgradLoss = history.epochs.at(-1).loss;
  model.dispose();
  log(`training: crossgrad ${crossgradEpoch.toFixed(1)} ms an epoch`);

  // TensorFlow.js: the same batches (in order, no shuffling: the cost does not depend on it)
  await tf.setBackend(backend);
  const phi = tf.variable(tf.tensor2d(phi0, [n + m, k]));
  const optimizer = tf.train.adam(0.01);
  const batches = [];
  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(count, start + batchSize),
      size = end - start;
    // the batch's gates as dense matrices, A rows and B rows apart
    const gatesA = new Float32Array(size * (n + m)),
      gatesB = new Float32Array(size * (n + m));
    for (let b = start; b < end; b++) {
      for (let e = observations.indptr[b]; e < observations.indptr[b + 1]; e++) {
        const r = observations.index[e];
        (r < n ? gatesA : gatesB)[(b - start) * (n + m) + r] = 1;
      }
    }
    batches.push({ gatesA, gatesB, y: Float32Array.from(observations.y.subarray(start, end)), size });
  }
  const epoch = () => {
    let total = 0;
    for (const batch of batches) {
      const loss = tf.tidy(() => {
        const gatesA = tf.tensor2d(batch.gatesA, [batch.size, n + m]),
          gatesB = tf.tensor2d(batch.gatesB, [batch.size, n + m]);
        const y = tf.tensor1d(batch.y);
        return optimizer.minimize(() => {
          const u = tf.matMul(gatesA, phi),
            v = tf.matMul(gatesB, phi);
          return tf.mean(tf.square(tf.sub(tf.sum(tf.mul(u, v), 1), y)));
        }, true);
      });
      total += loss.dataSync()[0] * batch.size;
      loss.dispose();
    }
    return total / count;
  };
  const tfEpochs = quick ? 1 : 3;
  const tfTimes = [];
  let tfLoss = NaN;
  for (let e = 0; e < tfEpochs; e++) {
    const t = performance.now();
    tfLoss = epoch();
    tfTimes.push(performance.now() - t);
  }
  tfTimes.sort((a, b) => a - b);
  const tfjsEpoch = tfTimes[tfTimes.length >> 1];
  phi.dispose();
  optimizer.dispose();
  log(`training: TF.js ${backend} ${tfjsEpoch.toFixed(1)} ms an epoch`);
  return {
    problem: { n, m, k, observations: count, batchSize, loss: "squared", optimizer: "adam 0.01" },
    crossgrad: {
      epochMs: crossgradEpoch,
      epochsPerSecond: 1000 / crossgradEpoch,
      epochs: crossgradEpochs,
      lastLoss: crossgradLoss,
    },
    tfjs: { backend, epochMs: tfjsEpoch, epochsPerSecond: 1000 / tfjsEpoch, epochs: tfEpochs, lastLoss: tfLoss },
    ratio: tfjsEpoch / crossgradEpoch,
  };
}
