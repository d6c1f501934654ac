// The examples' training settings (the CLI and the demo page's worker), and the candidates they
// were chosen from by examples/tune-defaults.mjs (its table is in docs/training.md). Plain ESM.

// A schedule maker takes the number of epochs and gives fit()'s learningRate.
/** Held at `rate` for `hold` epochs, then multiplied by `decay` each epoch. */
const stepped =
  (rate, decay, hold = 0) =>
  () =>
  (e) =>
    rate * decay ** Math.max(0, e - hold);
/** Falling from `from` to `to` along half a cosine over the epochs. */
const cosine = (from, to) => (epochs) => (e) =>
  to + 0.5 * (from - to) * (1 + Math.cos((Math.PI * e) / Math.max(1, epochs)));
const constant = (rate) => () => rate;

/** A candidate: `fit(epochs)` gives the fit options; `optimizer` adds optimizer options. */
const candidate = (type, schedule, { batchSize = 256, optimizer = {}, ...fit } = {}) => ({
  fit: (epochs) => ({ optimizer: { type, learningRate: schedule(epochs), ...optimizer }, batchSize, ...fit }),
});
const adam = (rate, decay, { hold = 0, ...options } = {}) => candidate("adam", stepped(rate, decay, hold), options);
const nesterov = { optimizer: { momentum: 0.9, nesterov: true } };

/** Candidate settings: name -> { fit(epochs): fit options }. */
export const CANDIDATES = {
  "adam 0.01, x0.85 after epoch 5, batch 256 (old default)": adam(0.01, 0.85, { hold: 5 }),
  "adam 0.01, x0.85 from epoch 1, batch 256": adam(0.01, 0.85),
  "adam 0.005, x0.9 from epoch 1, batch 256": adam(0.005, 0.9),
  "adam cosine 0.01 -> 0.0005, batch 256": candidate("adam", cosine(0.01, 0.0005)),
  "adam cosine 0.005 -> 0.0002, batch 256": candidate("adam", cosine(0.005, 0.0002)),
  "adam cosine 0.01 -> 0.0005, batch 1024": candidate("adam", cosine(0.01, 0.0005), { batchSize: 1024 }),
  "adam cosine 0.02 -> 0.001, batch 1024": candidate("adam", cosine(0.02, 0.001), { batchSize: 1024 }),
  "adam 0.01, x0.85 from epoch 1, batch 1024": adam(0.01, 0.85, { batchSize: 1024 }),
  "adam 0.02, x0.85 from epoch 1, batch 1024": adam(0.02, 0.85, { batchSize: 1024 }),
  "adam 0.01, x0.8 from epoch 1, batch 256": adam(0.01, 0.8),
  "adam 0.01, x0.75 from epoch 1, batch 256": adam(0.01, 0.75),
  "adam 0.01, x0.7 from epoch 1, batch 256": adam(0.01, 0.7),
  "adam 0.012, x0.75 from epoch 1, batch 256": adam(0.012, 0.75),
  "adam 0.015, x0.8 from epoch 1, batch 256": adam(0.015, 0.8),
  "adam 0.015, x0.85 from epoch 1, batch 256": adam(0.015, 0.85),
  "adam 0.01, x0.85 from epoch 1, batch 256, reg 1e-3": adam(0.01, 0.85, { reg: 1e-3 }),
  "adam 0.01, x0.85 from epoch 1, batch 256, reg 1e-2": adam(0.01, 0.85, { reg: 1e-2 }),
  "adam 0.01, x0.85 from epoch 1, batch 256, weight decay 0.01": adam(0.01, 0.85, {
    optimizer: { weightDecay: 0.01 },
  }),
  "sgd nesterov 0.5 x0.85, batch 256": candidate("sgd", stepped(0.5, 0.85), nesterov),
  "sgd nesterov 0.5 x0.9, batch 256 (old sgd)": candidate("sgd", stepped(0.5, 0.9), nesterov),
  "adagrad 0.1, batch 256 (old adagrad)": candidate("adagrad", constant(0.1)),
  "adagrad 0.05, batch 256": candidate("adagrad", constant(0.05)),
  "adagrad 0.1 x0.9, batch 256": candidate("adagrad", stepped(0.1, 0.9)),
};

/** The settings the examples train with, per optimizer (chosen by examples/tune-defaults.mjs). */
export const DEFAULTS = {
  adam: CANDIDATES["adam 0.01, x0.7 from epoch 1, batch 256"],
  sgd: CANDIDATES["sgd nesterov 0.5 x0.85, batch 256"],
  adagrad: CANDIDATES["adagrad 0.1 x0.9, batch 256"],
};
