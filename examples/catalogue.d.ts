// Types of catalogue.js (plain ESM, so that the demo page's worker loads it as it is).

export const GENRES: string[];

export function catalogue(options?: { users?: number; items?: number; ratings?: number; seed?: number }): {
  ratings: string;
  movies: string;
  count: number;
};
