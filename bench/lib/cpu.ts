import fs from 'node:fs';

/**
 * CPU time by process, read from /proc (Linux): where a phase's work goes when every core is busy.
 * Times in /proc are in clock ticks of USER_HZ, which Linux fixes at 100 for every architecture it
 * exports them on.
 */
const TICK_MS = 10;

export type CpuRole = 'bench' | 'api' | 'worker' | 'temporal' | 'postgres';
export type CpuReading = Record<CpuRole, number>;

/** Fields of /proc/<pid>/stat after the command name: state is [0], utime [11] ... cstime [14]. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** A process's own CPU ms; `reaped` adds what its exited children used (PostgreSQL's ended backends). */
function cpuMsOf(pid: number, reaped = false): number {
  const f = statFields(pid);
  if (!f) return 0;
  const ticks = Number(f[11]) + Number(f[12]) + (reaped ? Number(f[13]) + Number(f[14]) : 0);
  return ticks * TICK_MS;
}

function allPids(): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

const childrenOf = (parent: number): number[] =>
  allPids().filter((pid) => Number(statFields(pid)?.[1]) === parent);

function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** The Temporal dev server listening on `port` (started by the SDK, which does not give its pid). */
export function temporalServerPid(port: number): number | undefined {
  return allPids().find((pid) => {
    const cmd = cmdline(pid);
    return cmd.includes('start-dev') && new RegExp(`--port ${port}( |$)`).test(cmd);
  });
}

/** The processes a phase runs on, by role; absent roles read 0. */
export interface CpuSources {
  api?: number;
  workers?: number[];
  temporal?: number;
  postmaster?: number;
}

/** The bench stack's processes: the dev server found by the port in its address. */
export function stackCpuSources(o: {
  temporalAddress: string;
  postmaster: number | undefined;
  workers: { pid: number }[];
  api?: { pid: number };
}): CpuSources {
  return {
    ...(o.api ? { api: o.api.pid } : {}),
    workers: o.workers.map((w) => w.pid),
    temporal: temporalServerPid(Number(o.temporalAddress.split(':').pop())),
    ...(o.postmaster === undefined ? {} : { postmaster: o.postmaster }),
  };
}

/** Cumulative CPU ms per role now; subtract two readings for a window. */
export function readCpu(s: CpuSources): CpuReading {
  const own = process.cpuUsage();
  return {
    bench: (own.user + own.system) / 1000,
    api: s.api ? cpuMsOf(s.api) : 0,
    worker: (s.workers ?? []).reduce((sum, pid) => sum + cpuMsOf(pid), 0),
    temporal: s.temporal ? cpuMsOf(s.temporal) : 0,
    // The server, what its ended backends used, and its live backends (each counted once: a
    // backend's time moves into the server's share only when it exits).
    postgres: s.postmaster
      ? cpuMsOf(s.postmaster, true) + childrenOf(s.postmaster).reduce((sum, pid) => sum + cpuMsOf(pid), 0)
      : 0,
  };
}

export const CPU_ROLES: readonly CpuRole[] = ['bench', 'api', 'worker', 'temporal', 'postgres'];

/** A reading built role by role. */
export const perRole = (value: (role: CpuRole) => number): CpuReading =>
  Object.fromEntries(CPU_ROLES.map((role) => [role, value(role)])) as CpuReading;

export const cpuSince = (before: CpuReading, after: CpuReading): CpuReading =>
  perRole((role) => after[role] - before[role]);

export const addCpu = (a: CpuReading, b: CpuReading): CpuReading => perRole((role) => a[role] + b[role]);

export const NO_CPU: CpuReading = perRole(() => 0);

/** All roles' CPU ms together. */
export const cpuTotal = (c: CpuReading): number => CPU_ROLES.reduce((sum, role) => sum + c[role], 0);
