// Shell completion scripts come from the command tree and really complete in a shell.
import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './helpers/cli.js';

const scratch = scratchDir();
afterAll(() => scratch.cleanup());
const home = scratch.path;
const hasBash = spawnSync('bash', ['--version']).status === 0;

async function script(shell: string): Promise<string> {
  const res = await runCli(['completion', shell], { home });
  expect(res.code, res.stderr).toBe(0);
  return res.stdout;
}

describe('tokenomics completion', () => {
  it.skipIf(!hasBash)('bash completes subcommands and flags at each level', async () => {
    const text = await script('bash');
    const complete = (line: string): string[] => {
      const words = line.split(' ');
      const program = [
        text,
        `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})`,
        `COMP_CWORD=${words.length - 1}`,
        '_tokenomics_complete',
        'printf "%s\\n" "${COMPREPLY[@]}"',
      ].join('\n');
      return execFileSync('bash', ['-c', program], { encoding: 'utf8' }).split('\n').filter(Boolean);
    };
    expect(complete('tokenomics to')).toEqual(['token']);
    expect(complete('tokenomics token ')).toEqual(expect.arrayContaining(['create', 'get', 'update', 'delete', 'list']));
    expect(complete('tokenomics token create --p')).toEqual(['--policy']);
    expect(complete('tokenomics --dir /tmp/x token create --ex')).toEqual(['--expires']);
    expect(complete('tokenomics config show --')).toEqual(expect.arrayContaining(['--json', '--dir', '--config', '--db']));
  });

  it('zsh, fish and powershell scripts name every command', async () => {
    for (const shell of ['zsh', 'fish', 'powershell']) {
      const text = await script(shell);
      for (const word of ['token', 'create', 'config', 'show', 'completion', 'version', 'policy', 'expires']) expect(text).toContain(word);
    }
    const zsh = spawnSync('zsh', ['-n'], { input: await script('zsh') });
    if (zsh.error === undefined) expect(zsh.status).toBe(0);
  });

  it('rejects an unknown shell with a usage error', async () => {
    const res = await runCli(['completion', 'tcsh'], { home });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("'tcsh' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish, powershell");
  });
});

describe('tokenomics version', () => {
  it('prints version, commit, build date, Node version and OS/arch', async () => {
    const res = await runCli(['version'], { home });
    expect(res.stdout).toMatch(/^tokenomics \d+\.\d+\.\d+\n {2}commit: {2}\S+\n {2}built: {3}\d{4}-\d{2}-\d{2}T[\d:]+Z\n {2}node: {4}v\d+/);
    expect(res.stdout).toContain(`os/arch: ${process.platform}/${process.arch}`);
    const json = JSON.parse((await runCli(['version', '--json'], { home })).stdout);
    expect(json).toMatchObject({ node: process.version, os: process.platform, arch: process.arch });
  });
});
