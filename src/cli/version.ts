// Version facts: package version, plus commit and build date written by scripts/build.mjs.
import { readFileSync } from 'node:fs';

export interface VersionInfo {
  version: string;
  commit: string;
  built: string;
  node: string;
  os: string;
  arch: string;
}

export function versionInfo(): VersionInfo {
  let info: Partial<VersionInfo> = {};
  try {
    info = JSON.parse(readFileSync(new URL('../build-info.json', import.meta.url), 'utf8')) as Partial<VersionInfo>;
  } catch {
    // Running from source without a build: say so rather than guess.
  }
  return {
    version: info.version ?? 'dev',
    commit: info.commit ?? 'unknown',
    built: info.built ?? 'unknown',
    node: process.version,
    os: process.platform,
    arch: process.arch,
  };
}
