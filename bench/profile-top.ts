import fs from 'node:fs';
import path from 'node:path';

/**
 * The functions that used the most CPU in V8 profiles (BENCH_CPU_PROFILE_DIR): self time, and
 * total time of the project's own functions, per profile file.
 *
 *   npx tsx bench/profile-top.ts /tmp/profiles [rows]
 */
interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

function main(): void {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: profile-top.ts <dir> [rows]');
  const rows = Number(process.argv[3] ?? 25);
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as {
      nodes: Node[];
      startTime: number;
      endTime: number;
      timeDeltas: number[];
    };
    const total = profile.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0);
    if (total === 0) continue;
    const label = (n: Node) =>
      `${n.callFrame.functionName || '(anonymous)'} ${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
    const self = new Map<string, number>();
    for (const n of profile.nodes) self.set(label(n), (self.get(label(n)) ?? 0) + (n.hitCount ?? 0));
    // Inclusive time: each node's hits plus its descendants', counted once per label on a path.
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const inclusive = new Map<string, number>();
    const walk = (n: Node, onPath: Set<string>): number => {
      let hits = n.hitCount ?? 0;
      const l = label(n);
      const fresh = !onPath.has(l);
      if (fresh) onPath.add(l);
      for (const c of n.children ?? []) hits += walk(byId.get(c)!, onPath);
      if (fresh) {
        onPath.delete(l);
        inclusive.set(l, (inclusive.get(l) ?? 0) + hits);
      }
      return hits;
    };
    walk(profile.nodes[0]!, new Set());
    const seconds = (profile.endTime - profile.startTime) / 1e6;
    console.log(`\n${file}: ${total} samples over ${seconds.toFixed(0)} s`);
    const pct = (h: number) => `${((100 * h) / total).toFixed(1).padStart(5)}%`;
    console.log('  self:');
    for (const [l, h] of [...self].sort((a, b) => b[1] - a[1]).slice(0, rows))
      console.log(`  ${pct(h)} ${l}`);
    console.log('  total (project code):');
    for (const [l, h] of [...inclusive]
      .filter(([l]) => /(src|worker)\//.test(l) && !l.includes('node_modules'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, rows))
      console.log(`  ${pct(h)} ${l}`);
  }
}

function shortUrl(url: string): string {
  const i = url.indexOf('node_modules/');
  if (i >= 0) return url.slice(i + 'node_modules/'.length);
  return url.replace(/^.*\/(src|bench|worker)\//, '$1/');
}

main();
