// Preloaded into the daemon by the load test only (NODE_OPTIONS=--expose-gc --require): on SIGUSR2 it runs a full
// garbage collection and writes the memory figures to $TOKENOMICS_GC_PROBE_FILE, so the test compares live heap
// rather than resident memory V8 keeps after a peak.
const { writeFileSync } = require('node:fs');

process.on('SIGUSR2', () => {
  global.gc();
  global.gc();
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  writeFileSync(process.env.TOKENOMICS_GC_PROBE_FILE, JSON.stringify({ rss, heapUsed, external, arrayBuffers, at: Date.now() }));
});
