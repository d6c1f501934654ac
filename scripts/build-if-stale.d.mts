// Types of build-if-stale.mjs (for the tests).

/** True when dist/ was stamped after the newest input of the build changed. */
export function isFresh(): boolean;
