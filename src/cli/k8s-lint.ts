import fs from 'node:fs';
import path from 'node:path';
import { ensureKubeconformTools, KUBERNETES_VERSIONS, runKubeconform } from '../shared/kubeconform';
import { projectRoot } from '../shared/paths';
import { defaultToolsDir } from '../shared/pip-install';

/**
 * `npm run lint:k8s`: every manifest in deploy/kubernetes through kubeconform -strict against the
 * Kubernetes schemas of the oldest and newest supported lines and KEDA's CRDs (offline, pinned; see
 * src/shared/kubeconform.ts), and kustomization.yaml lists every manifest that is not an example.
 * Exits non-zero on any error.
 */
const DIR = path.join(projectRoot(), 'deploy', 'kubernetes');
const say = (m: string): void => void process.stdout.write(`[lint:k8s] ${m}\n`);

function unlistedOrMissing(): string[] {
  const kustomization = fs.readFileSync(path.join(DIR, 'kustomization.yaml'), 'utf8');
  const block = /^resources:\n((?:\s+- .+\n)+)/m.exec(kustomization)?.[1] ?? '';
  const listed = new Set([...block.matchAll(/- (\S+)/g)].map((m) => m[1]));
  const manifests = fs
    .readdirSync(DIR)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml' && !f.endsWith('.example.yaml'));
  return [
    ...manifests.filter((f) => !listed.has(f)).map((f) => `${f} is not in kustomization.yaml's resources`),
    ...[...listed]
      .filter((f) => !manifests.includes(f!))
      .map((f) => `kustomization.yaml lists ${f}, which is missing`),
  ];
}

const tools = ensureKubeconformTools(defaultToolsDir(), say);
let failed = false;
for (const version of KUBERNETES_VERSIONS) {
  const result = runKubeconform(tools, version, [DIR]);
  say(`Kubernetes ${version}: ${result.ok ? 'valid' : 'INVALID'}`);
  process.stdout.write(result.output);
  failed ||= !result.ok;
}
for (const problem of unlistedOrMissing()) {
  say(problem);
  failed = true;
}
process.exit(failed ? 1 : 0);
