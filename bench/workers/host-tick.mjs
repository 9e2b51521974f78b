// Host functions for bench/suites/executor.mjs (executor `host`): a piscina
// worker of the executor imports this file and calls tick on its own thread.
export default { env: { tick: (x) => x + 1 } };
