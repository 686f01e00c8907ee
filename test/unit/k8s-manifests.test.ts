import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ensureKubeconformTools,
  KUBERNETES_VERSIONS,
  runKubeconform,
  type KubeconformTools,
} from '../../src/shared/kubeconform';
import { loadApiConfig, loadWorkerConfig } from '../../src/config/config';
import { projectRoot } from '../../src/shared/paths';
import { defaultToolsDir } from '../../src/shared/pip-install';

/**
 * `npm run lint:k8s`'s checker, pinned kubeconform -strict with offline Kubernetes and KEDA schemas:
 * the shipped manifests pass, and deliberately wrong ones fail with the mistake named.
 */
describe('Kubernetes manifests schema check', () => {
  let tools: KubeconformTools;
  let dir: string;
  beforeAll(() => {
    // Installed once into .tools/ (CI's `npm run lint:k8s` has done it by the time tests run).
    tools = ensureKubeconformTools(defaultToolsDir(), () => undefined);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caseloop-k8s-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const check = (name: string, yaml: string, version = KUBERNETES_VERSIONS[0]!) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, yaml);
    return runKubeconform(tools, version, [file]);
  };

  it.each(KUBERNETES_VERSIONS)(
    'when deploy/kubernetes is checked against Kubernetes %s, then every manifest is valid and none is skipped',
    (version) => {
      const result = runKubeconform(tools, version, [path.join(projectRoot(), 'deploy', 'kubernetes')]);
      expect(result.output).toMatch(/Invalid: 0, Errors: 0, Skipped: 0/);
      expect(result.ok).toBe(true);
    },
  );

  it('when a Deployment has a field Kubernetes does not know, then the check fails and names it', () => {
    const result = check(
      'unknown-field.yaml',
      deployment('          readinessProbe: { httpGet: { path: /readyz, port: 3000 }, periodSecond: 5 }'),
    );
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/additional properties 'periodSecond' not allowed/);
  });

  it('when a field has the wrong type, then the check fails and names where', () => {
    const result = check('wrong-type.yaml', deployment('          ports: [{ containerPort: "http" }]'));
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/containers\/0\/ports\/0\/containerPort/);
  });

  it('when a KEDA ScaledObject misspells a field of its CRD, then the check fails (KEDA is checked too)', () => {
    const result = check(
      'scaledobject.yaml',
      [
        'apiVersion: keda.sh/v1alpha1',
        'kind: ScaledObject',
        'metadata: { name: w }',
        'spec:',
        '  scaleTargetRef: { name: w }',
        '  minReplicas: 2',
        '  triggers: [{ type: temporal, metadata: { taskQueue: caseloop } }]',
        '',
      ].join('\n'),
    );
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/additional properties 'minReplicas' not allowed/);
  });

  it('when a key is written twice, then strict mode fails', () => {
    const result = check(
      'duplicate.yaml',
      'apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: a }\nmetadata: { name: b }\n',
    );
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/already (defined|set)|duplicate/i);
  });

  it('when a kind has no schema at all, then the check fails instead of skipping it', () => {
    const result = check(
      'unknown-kind.yaml',
      'apiVersion: example.org/v1\nkind: Gadget\nmetadata: { name: g }\n',
    );
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/could not find schema for Gadget/);
  });
});

describe('Kubernetes ConfigMap', () => {
  it("when the API and the worker start with the ConfigMap's settings (and the secret's), then both accept them in production", () => {
    const text = fs.readFileSync(path.join(projectRoot(), 'deploy', 'kubernetes', 'configmap.yaml'), 'utf8');
    // Its `data:` block is flat `KEY: value` lines; commented-out settings are not applied.
    const data = Object.fromEntries(
      [...text.slice(text.indexOf('\ndata:\n')).matchAll(/^ {2}([A-Z][A-Z0-9_]*): (.*)$/gm)].map((m) => [
        m[1]!,
        m[2]!.replace(/^'(.*)'$/, '$1'),
      ]),
    );
    expect(data).toMatchObject({ NODE_ENV: 'production', WORKER_HEALTH_BIND: '0.0.0.0:8081' });
    const env = {
      ...data,
      DATABASE_URL: 'postgres://caseloop_app:secret@postgres.example.org:5432/caseloop',
      PAYLOAD_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      LINK_SIGNING_KEY: randomBytes(32).toString('hex'),
      SMTP_URL: 'smtps://user:secret@smtp.example.org:465',
    };
    expect(loadApiConfig(env)).toMatchObject({ port: 3000, temporal: { taskQueue: 'caseloop' } });
    expect(loadWorkerConfig(env)).toMatchObject({
      healthBind: { host: '0.0.0.0', port: 8081 },
      metricsBind: '0.0.0.0:9464',
      maxCachedWorkflows: 1000,
    });
  });
});

/** A minimal valid Deployment whose one container gets the extra line given. */
function deployment(containerLine: string): string {
  return [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata: { name: d }',
    'spec:',
    '  selector: { matchLabels: { app: d } }',
    '  template:',
    '    metadata: { labels: { app: d } }',
    '    spec:',
    '      containers:',
    '        - name: c',
    '          image: caseloop',
    containerLine,
    '',
  ].join('\n');
}
