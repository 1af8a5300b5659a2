// `tokenomics version`: version, commit, build date, Node version, OS/arch.
import { Command } from 'commander';
import { printJson } from '../context.js';
import { versionInfo } from '../version.js';

export function makeVersionCommand(): Command {
  return new Command('version')
    .description('Print version, commit, build date, Node version and OS/arch')
    .option('--json', 'print as JSON')
    .action((opts: { json?: boolean }) => {
      const v = versionInfo();
      if (opts.json) {
        printJson(v);
        return;
      }
      process.stdout.write(
        `tokenomics ${v.version}\n  commit:  ${v.commit}\n  built:   ${v.built}\n  node:    ${v.node}\n  os/arch: ${v.os}/${v.arch}\n`,
      );
    });
}
