// Where the user was working when a session started and ended: the git branch, commit and repository root of the
// daemon's working directory. Outside a repository (or without git) every field is simply absent.
import { execFile } from 'node:child_process';
import type { GitInfo } from '../../core/ledger/types.js';

function git(cwd: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, timeout: 2000, windowsHide: true }, (err, stdout) => resolve(err ? undefined : stdout.trim() || undefined));
  });
}

export async function gitSnapshot(cwd: string): Promise<GitInfo> {
  const [branch, commit, root] = await Promise.all([
    git(cwd, ['rev-parse', '--abbrev-ref', 'HEAD']),
    git(cwd, ['rev-parse', '--short', 'HEAD']),
    git(cwd, ['rev-parse', '--show-toplevel']),
  ]);
  return { ...(branch ? { branch } : {}), ...(commit ? { commit_start: commit } : {}), ...(root ? { repo_root: root } : {}) };
}

export function gitCommit(cwd: string): Promise<string | undefined> {
  return git(cwd, ['rev-parse', '--short', 'HEAD']);
}
