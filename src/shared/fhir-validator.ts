import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from './paths';

/**
 * The FHIR R4 validator the tests run: HAPI FHIR's instance validator (the HL7 validator core)
 * behind the small runner in tools/fhir-validator/, built by Maven from Maven Central into
 * .tools/ (`npm run fhir:install`; nothing else is downloaded). Its artifacts are cached in
 * .tools/m2, and the build folder is named by a hash of the runner's sources, so changing the pom
 * or the runner builds anew and an unchanged one is never rebuilt.
 */
const SOURCES = [
  'tools/fhir-validator/pom.xml',
  'tools/fhir-validator/src/main/java/org/caseloop/fhirvalidator/Main.java',
];
const MAIN_CLASS = 'org.caseloop.fhirvalidator.Main';

export interface FhirIssue {
  /** fatal, error, warning or information */
  severity: string;
  location: string | null;
  message: string;
  messageId: string | null;
}

export interface FhirValidation {
  file: string;
  issues: FhirIssue[];
}

function installDir(root: string): string {
  const hash = createHash('sha256');
  for (const f of SOURCES) hash.update(fs.readFileSync(path.join(root, f)));
  return path.join(root, '.tools', `fhir-validator-${hash.digest('hex').slice(0, 12)}`);
}

const complete = (dir: string): boolean =>
  fs.existsSync(path.join(dir, 'fhir-validator.jar')) && fs.existsSync(path.join(dir, 'lib'));

/** Builds the validator into .tools/ unless it is there; returns its folder. Idempotent. */
export function ensureFhirValidator(log: (m: string) => void = () => undefined): string {
  const root = projectRoot();
  const dir = installDir(root);
  if (complete(dir)) return dir;
  const staging = `${dir}.partial-${process.pid}-${Date.now()}`;
  log(`Building the FHIR validator (HAPI FHIR, Maven Central) into ${dir} ...`);
  const result = spawnSync(
    'mvn',
    [
      '-B',
      '-q',
      '-f',
      path.join(root, 'tools/fhir-validator/pom.xml'),
      `-Dmaven.repo.local=${path.join(root, '.tools', 'm2')}`,
      `-DbuildDir=${path.join(staging, 'build')}`,
      'package',
      'dependency:copy-dependencies',
      `-DoutputDirectory=${path.join(staging, 'lib')}`,
      '-DincludeScope=runtime',
    ],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw new Error(
      `Building the FHIR validator failed:\n${result.stdout}\n${result.stderr ?? result.error?.message ?? ''}`,
    );
  }
  fs.renameSync(
    path.join(staging, 'build', 'fhir-validator-1.0.0.jar'),
    path.join(staging, 'fhir-validator.jar'),
  );
  fs.rmSync(path.join(staging, 'build'), { recursive: true, force: true });
  try {
    fs.renameSync(staging, dir);
  } catch (err) {
    // Another process finished first: theirs is as good as ours.
    fs.rmSync(staging, { recursive: true, force: true });
    if (!complete(dir)) throw err;
  }
  return dir;
}

/** Validates FHIR R4 JSON files in one JVM (it takes seconds to start); one result per file, in order. */
export function validateFhirFiles(files: string[]): Promise<FhirValidation[]> {
  const dir = ensureFhirValidator();
  const classpath = `${path.join(dir, 'fhir-validator.jar')}${path.delimiter}${path.join(dir, 'lib', '*')}`;
  return new Promise((resolve, reject) => {
    execFile(
      'java',
      ['-cp', classpath, MAIN_CLASS, ...files],
      { maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`The FHIR validator failed: ${err.message}\n${stderr}`));
          return;
        }
        resolve((JSON.parse(stdout) as { results: FhirValidation[] }).results);
      },
    );
  });
}
