// Trains a model on a planted problem off the main thread, posting every epoch, with the
// settings the CLI uses (examples/training-defaults.js). Request (requests.js): train { loss,
// epochs, observations }, telling { epoch, floor, floorLabel, status } as it goes.
import { auc, createModel, init, logLoss } from "../../dist/index.js";
import { plantedProblem, sliceObservations } from "../planted.js";
import { DEFAULTS } from "../training-defaults.js";
import { answer } from "./requests.js";

answer({
  async train({ loss, epochs, observations }, progress) {
    await init();
    const n = 500,
      m = 500,
      k = 8;
    progress({ status: `planting phi* and drawing ${observations} observations...` });
    const planted = plantedProblem({ n, m, k, count: Math.round(observations * 1.1), loss, seed: 1 });
    const train = sliceObservations(planted.observations, 0, observations);
    const validation = sliceObservations(planted.observations, observations, Math.round(observations * 1.1));
    const floor = loss === "squared" ? 0.01 : logLoss(planted.F.subarray(observations), validation.y);
    const floorLabel = loss === "squared" ? "noise variance (best possible)" : "true logits' loss (best possible)";
    const model = createModel({ n, m, k }, { seed: 1 });
    const history = model.fit(train, {
      loss,
      ...DEFAULTS.adam.fit(epochs),
      epochs,
      validation,
      onEpoch: (epoch) =>
        progress({
          epoch,
          floor,
          floorLabel,
          status: `epoch ${epoch.epoch + 1}/${epochs}: validation loss ${epoch.validationLoss.toFixed(5)}`,
        }),
    });
    const last = history.epochs.at(-1);
    const extra = loss === "logistic" ? `, AUC ${auc(model.predict(validation), validation.y).toFixed(4)}` : "";
    model.dispose();
    return `done: validation loss ${last.validationLoss.toFixed(5)}, ${(last.validationLoss / floor).toFixed(3)}x the best possible ${floor.toFixed(5)}${extra}; ${(last.elapsed / 1000).toFixed(1)} s`;
  },
});
