// Loading the terminal UI for a user at a terminal. Ink draws only the final frame when it believes it runs in CI
// (is-in-ci reads CI and CONTINUOUS_INTEGRATION when ink is first imported); a real terminal is interactive whatever
// those say, so they are cleared for this process before ink loads.
export async function loadTui(): Promise<typeof import('../tui/index.js')> {
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  return import('../tui/index.js');
}
