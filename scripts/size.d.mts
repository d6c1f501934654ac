export const ENTRIES: Record<string, { entry: string; budget: number }>;
export function shippedFiles(entry?: string): string[];
export function measure(entry?: string): { files: number; raw: number; gzip: number };
