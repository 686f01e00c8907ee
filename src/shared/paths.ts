import fs from 'node:fs';
import path from 'node:path';

/** The repository root, found by walking up to our package.json (works from src/ and from dist/). */
export function projectRoot(start = __dirname): string {
  let dir = start;
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    if (fs.existsSync(candidate)) {
      const pkg = JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: string };
      if (pkg.name === 'caseloop') return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`Cannot find the caseloop package.json above ${start}`);
    dir = parent;
  }
}
