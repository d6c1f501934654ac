// Types of loss-curve.js (plain ESM, so that the CLI and the browser demo load it as it is).

export const LOSS_NAMES: Record<"squared" | "logistic" | "bpr" | "warp", string>;

/** Below this width the legend goes under the plot and the axis labels wrap. */
export const NARROW: number;

export function lossCurveSvg(
  epochs: { epoch: number; loss: number; validationLoss?: number }[],
  options?: {
    title?: string;
    loss?: "squared" | "logistic" | "bpr" | "warp";
    floor?: number;
    floorLabel?: string;
    width?: number;
    height?: number;
  },
): string;

export function logTicks(lo: number, hi: number): number[];
