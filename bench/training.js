// Training throughput: the same model (phi of (n+m) x k), data (a planted problem) and
// mini-batches trained with crossgrad's fit() and with TensorFlow.js (tf.train.adam on the
// factored formulation: U = H_A phi and V = H_B phi with a batch's gates as dense B x (n+m)
// matrices, F = rowwise <U, V>; the wasm backend has no UnsortedSegmentSum, which tf.gather's
// gradient needs, so the sparse form is not available to it), at batches of 256 and of 4096.
// Environment-agnostic: the runner injects tf.

import { createModel } from "../dist/index.js";
import { plantedProblem } from "../examples/planted.js";

/** The batch sizes each trainer runs: where per-batch work shows (256), and where it does not (4096). */
export const TRAINING_BATCHES = [256, 4096];

/**
 * Epochs per second of both, on n = m = 1000, k = 8, squared loss, Adam (lr 0.01), at each
 * batch size of TRAINING_BATCHES. Returns { problem, rows: [{ batchSize, crossgrad, tfjs, ratio }] }.
 */
export async function trainingBenchmark({ tf, backend, quick = false, log = () => {} }) {
  const n = 1000,
    m = 1000,
    k = 8;
  const count = quick ? 4096 : 65536;
  const { observations } = plantedProblem({ n, m, k, count, seed: 5 });
  const initial = createModel({ n, m, k }, { seed: 1 });
  const phi0 = initial.phi.slice();
  initial.dispose();
  await tf.setBackend(backend);
  const rows = [];
  for (const batchSize of TRAINING_BATCHES) {
    const crossgrad = crossgradEpochs({ n, m, k, phi0, observations, batchSize, epochs: quick ? 2 : 8 });
    log(`training, batches of ${batchSize}: crossgrad ${crossgrad.epochMs.toFixed(1)} ms an epoch`);
    const tfjs = tfjsEpochs(tf, { n, m, k, phi0, observations, count, batchSize, epochs: quick ? 1 : 3 });
    log(`training, batches of ${batchSize}: TF.js ${backend} ${tfjs.epochMs.toFixed(1)} ms an epoch`);
    rows.push({ batchSize, crossgrad, tfjs: { backend, ...tfjs }, ratio: tfjs.epochMs / crossgrad.epochMs });
  }
  return { problem: { n, m, k, observations: count, loss: "squared", optimizer: "adam 0.01" }, rows };
}

/** crossgrad's fit(): its median epoch time (ms) over `epochs` epochs, and the epochs' losses. */
export function crossgradEpochs({ n, m, k, phi0, observations, batchSize, epochs }) {
  const model = createModel({ n, m, k }, { phi: phi0 });
  const history = model.fit(observations, { epochs, batchSize, optimizer: { type: "adam", learningRate: 0.01 } });
  model.dispose();
  const times = history.epochs.map((e, i) => e.elapsed - (i ? history.epochs[i - 1].elapsed : 0)).sort((a, b) => a - b);
  const epochMs = times[times.length >> 1];
  const losses = history.epochs.map((e) => e.loss);
  return { epochMs, epochsPerSecond: 1000 / epochMs, epochs, lastLoss: losses.at(-1), losses };
}

/** TensorFlow.js on the same batches (in order, no shuffling: the cost does not depend on it). */
function tfjsEpochs(tf, { n, m, k, phi0, observations, count, batchSize, epochs }) {
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
  const times = [];
  let lastLoss = NaN;
  for (let e = 0; e < epochs; e++) {
    const t = performance.now();
    lastLoss = epoch();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  phi.dispose();
  optimizer.dispose();
  const epochMs = times[times.length >> 1];
  return { epochMs, epochsPerSecond: 1000 / epochMs, epochs, lastLoss };
}
