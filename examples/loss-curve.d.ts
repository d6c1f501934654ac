export function lossCurveSvg(
  epochs: { epoch: number; loss: number; validationLoss?: number }[],
  options?: { title?: string; floor?: number; floorLabel?: string; width?: number; height?: number },
): string;
