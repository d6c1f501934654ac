export const GZIP_BUDGET: number;
export function shippedFiles(entry?: string): string[];
export function measure(): { files: number; raw: number; gzip: number; wasm: number[] };
