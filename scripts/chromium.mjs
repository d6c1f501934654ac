// Debian's Chromium (apt-get install chromium; or $CHROMIUM_PATH), headless, with the flags
// that keep it off the network (this machine's is closed): shared by the browser tests, the
// end-to-end tests and the browser benchmark.
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
