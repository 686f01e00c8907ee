import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BinaryNotFoundError,
  locateBinary,
  toolsInstallDir,
  type BinarySpec,
} from '../../src/temporal/binaries';

const spec: BinarySpec = {
  label: 'Fake tool',
  envVar: 'FAKE_TOOL_PATH',
  executable: 'fake-tool',
  pypiPackage: 'fake-tool-bin',
  version: '1.0.0',
};

function makeExecutable(file: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '#!/bin/sh\necho fake\n', { mode: 0o755 });
  return file;
}

describe('Temporal binary locator', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'locator-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('when the environment variable points at a binary, then it wins over everything else', () => {
    const explicit = makeExecutable(path.join(dir, 'explicit', 'fake-tool'));
    makeExecutable(path.join(dir, 'onpath', 'fake-tool'));
    const found = locateBinary(spec, {
      env: { FAKE_TOOL_PATH: explicit, PATH: path.join(dir, 'onpath') },
      toolsDir: path.join(dir, 'tools'),
    });
    expect(found).toEqual({ type: 'existing-path', path: explicit, source: 'env' });
  });

  it('when the environment variable points at nothing, then it fails loudly instead of guessing', () => {
    expect(() => locateBinary(spec, { env: { FAKE_TOOL_PATH: path.join(dir, 'missing') } })).toThrow(
      /FAKE_TOOL_PATH/,
    );
  });

  it('when the binary is on PATH, then PATH is used before the tools folder', () => {
    const onPath = makeExecutable(path.join(dir, 'onpath', 'fake-tool'));
    makeExecutable(path.join(toolsInstallDir(spec, path.join(dir, 'tools')), 'bin', 'fake-tool'));
    const found = locateBinary(spec, {
      env: { PATH: path.join(dir, 'onpath') },
      toolsDir: path.join(dir, 'tools'),
    });
    expect(found).toEqual({ type: 'existing-path', path: onPath, source: 'path' });
  });

  it('when a pinned copy is in the tools folder, then it is used', () => {
    const tools = path.join(dir, 'tools');
    const inTools = makeExecutable(path.join(toolsInstallDir(spec, tools), 'bin', 'fake-tool'));
    const found = locateBinary(spec, { env: { PATH: '' }, toolsDir: tools });
    expect(found).toEqual({ type: 'existing-path', path: inTools, source: 'tools' });
  });

  it('when nothing is found and downloads are allowed, then the SDK download is the last resort', () => {
    const found = locateBinary(spec, {
      env: { PATH: '' },
      toolsDir: path.join(dir, 'tools'),
      allowPipInstall: false,
    });
    expect(found).toMatchObject({ type: 'cached-download', source: 'sdk-download' });
  });

  it('when every route fails, then one message says how to install it', () => {
    const attempt = () =>
      locateBinary(spec, {
        env: { PATH: '' },
        toolsDir: path.join(dir, 'tools'),
        allowPipInstall: false,
        allowSdkDownload: false,
      });
    expect(attempt).toThrow(BinaryNotFoundError);
    expect(attempt).toThrow(
      /npm run temporal:install[\s\S]*pip install fake-tool-bin==1.0.0[\s\S]*FAKE_TOOL_PATH/,
    );
  });
});
