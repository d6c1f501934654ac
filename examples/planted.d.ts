// Types of planted.js (plain ESM, so that the CLI and the browser demo load it as it is).

export interface PlantedObservations {
  indptr: Uint32Array;
  index: Uint32Array;
  weight?: Float32Array | Float64Array;
  y?: Float64Array;
  sampleWeight?: Float64Array;
}

export function plantedProblem(options: {
  n: number;
  m: number;
  k: number;
  count: number;
  loss?: "squared" | "logistic" | "bpr";
  noise?: number;
  signal?: number;
  maxRows?: number;
  candidates?: number;
  seed?: number;
}): { phi: Float64Array; observations: PlantedObservations; F: Float64Array };

export function sliceObservations(observations: PlantedObservations, first: number, end: number): PlantedObservations;
