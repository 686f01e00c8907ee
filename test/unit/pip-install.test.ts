import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensurePipInstalled, type PinnedPackage } from '../../src/shared/pip-install';

/**
 * Pinned tools are pip-installed into the tools folder through a temporary folder renamed into
 * place. A stand-in `python3` on PATH plays pip: it records its arguments and writes a marker file
 * into the --target folder (or fails, when asked to).
 */
describe('pinned pip installs', () => {
  let dir: string;
  let tools: string;
  let calls: string;
  const savedPath = process.env.PATH;
  const tool: PinnedPackage = { name: 'fake-tool', version: '1.2.3', withDependencies: false };
  const complete = (d: string): boolean => fs.existsSync(path.join(d, 'installed'));
  const pipCalls = (): string[] =>
    fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8').trim().split('\n') : [];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pip-install-'));
    tools = path.join(dir, 'tools');
    calls = path.join(dir, 'calls');
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(
      path.join(bin, 'python3'),
      `#!/bin/sh
echo "$*" >> '${calls}'
if [ -n "$FAKE_PIP_FAILS" ]; then echo "no such version" >&2; exit 1; fi
while [ "$1" != "--target" ]; do shift; done
mkdir -p "$2" && touch "$2/installed"
`,
      { mode: 0o755 },
    );
    process.env.PATH = `${bin}${path.delimiter}${savedPath}`;
  });
  afterEach(() => {
    process.env.PATH = savedPath;
    delete process.env.FAKE_PIP_FAILS;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('when the package is missing, then pip installs exactly the pinned version and it lands whole in its own folder', () => {
    const installed = ensurePipInstalled(tool, tools, () => undefined, complete);
    expect(installed).toBe(path.join(tools, 'fake-tool-1.2.3'));
    expect(complete(installed)).toBe(true);
    expect(pipCalls()).toEqual([
      expect.stringMatching(/^-m pip install .*--no-deps --target \S+\.partial-\S+ fake-tool==1\.2\.3$/),
    ]);
    // Nothing half-written is left beside it.
    expect(fs.readdirSync(tools)).toEqual(['fake-tool-1.2.3']);
  });

  it('when the package needs its dependencies, then pip is allowed to bring them', () => {
    ensurePipInstalled({ ...tool, withDependencies: true }, tools, () => undefined, complete);
    expect(pipCalls()[0]).not.toContain('--no-deps');
  });

  it('when the package is already installed, then pip is not run', () => {
    ensurePipInstalled(tool, tools, () => undefined, complete);
    ensurePipInstalled(tool, tools, () => undefined, complete);
    expect(pipCalls()).toHaveLength(1);
  });

  it('when pip fails, then the error says why and no folder is left behind', () => {
    process.env.FAKE_PIP_FAILS = '1';
    expect(() => ensurePipInstalled(tool, tools, () => undefined, complete)).toThrow(
      /pip install of fake-tool==1\.2\.3 failed:\nno such version/,
    );
    expect(fs.readdirSync(tools)).toEqual([]);
  });
});
