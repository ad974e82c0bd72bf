/**
 * A private one-node Slurm cluster for tests: munged, slurmctld and slurmd started by the test in
 * a temporary folder (own munge key and socket, own slurm.conf on free ports), used through
 * SLURM_CONF, and stopped by the PIDs of the processes started here - nothing else is touched.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, hostname, tmpdir, totalmem, userInfo } from 'node:os';
import { join } from 'node:path';

export const SLURM_TOOLS = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'sinfo'] as const;

/** Absolute path of a program on PATH or in the sbin folders (daemons live there), or null. */
export function findTool(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/local/sbin'];
  for (const d of dirs) if (d && existsSync(join(d, name))) return join(d, name);
  return null;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** Why the Slurm test cannot run here, or null when it can. */
export function slurmUnavailable(): string | null {
  const missing = SLURM_TOOLS.filter((t) => !findTool(t));
  if (missing.length === 0) return null;
  const why = `Slurm is not installed (missing ${missing.join(', ')})`;
  if (!isRoot()) return `${why} and this is not root: install it with "sudo apt-get install -y slurm-wlm munge" (or run .ci/run as root)`;
  return null;
}

export interface LocalCluster {
  dir: string;
  env: Record<string, string>;
  stop(): Promise<void>;
}

async function until(what: string, test: () => boolean, timeoutMs: number, log: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > end) throw new Error(`local Slurm: ${what} did not happen within ${timeoutMs / 1000} s\n${log()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(hard);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startLocalCluster(): Promise<LocalCluster> {
  for (const t of SLURM_TOOLS) if (!findTool(t)) throw new Error(`local Slurm: ${t} not found (apt-get install -y slurm-wlm munge; see scripts/check-system-deps.mjs)`);
  const dir = mkdtempSync(join(tmpdir(), 'metamer-slurm-'));
  // munged needs every folder on its socket's path to be searchable by all.
  chmodSync(dir, 0o755);
  const key = join(dir, 'munge.key');
  writeFileSync(key, randomBytes(1024), { mode: 0o400 });
  const socket = join(dir, 'munge.sock');
  mkdirSync(join(dir, 'state'));
  mkdirSync(join(dir, 'spool'));
  const host = hostname().split('.')[0];
  const port = 20000 + Math.floor(Math.random() * 20000);
  const conf = join(dir, 'slurm.conf');
  writeFileSync(
    conf,
    [
      'ClusterName=metamertest',
      `SlurmctldHost=${host}`,
      `SlurmUser=${userInfo().username}`,
      'AuthType=auth/munge',
      'CredType=cred/munge',
      `AuthInfo=socket=${socket}`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core',
      'MpiDefault=none',
      `SlurmctldPort=${port}`,
      `SlurmdPort=${port + 1}`,
      `StateSaveLocation=${dir}/state`,
      `SlurmdSpoolDir=${dir}/spool`,
      `SlurmctldPidFile=${dir}/slurmctld.pid`,
      `SlurmdPidFile=${dir}/slurmd.pid`,
      `SlurmctldLogFile=${dir}/slurmctld.log`,
      `SlurmdLogFile=${dir}/slurmd.log`,
      'ReturnToService=2',
      `NodeName=${host} CPUs=${cpus().length} RealMemory=${Math.floor(totalmem() / 2 ** 20 * 0.9)} State=UNKNOWN`,
      `PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP`,
      '',
    ].join('\n'),
  );
  const env = { SLURM_CONF: conf };
  const started: ChildProcess[] = [];
  const log = () => ['slurmctld.log', 'slurmd.log', 'munged.log'].map((f) => (existsSync(join(dir, f)) ? `${f}: ${readFileSync(join(dir, f), 'utf8').split('\n').slice(-5).join(' | ')}` : '')).join('\n');
  const stop = async () => {
    // Reverse order: slurmd, slurmctld, munged; only the processes started here.
    for (const child of started.reverse()) await stopChild(child);
  };
  try {
    const munged = spawn(findTool('munged')!, ['-F', `--key-file=${key}`, `--socket=${socket}`, `--pid-file=${dir}/munged.pid`, `--log-file=${dir}/munged.log`, `--seed-file=${dir}/munge.seed`], { stdio: 'ignore' });
    started.push(munged);
    await until('munged socket', () => existsSync(socket), 15_000, log);
    started.push(spawn(findTool('slurmctld')!, ['-D', '-c', '-f', conf], { stdio: 'ignore', env: { ...process.env, ...env } }));
    started.push(spawn(findTool('slurmd')!, ['-D', '-f', conf], { stdio: 'ignore', env: { ...process.env, ...env } }));
    await until(
      'node idle',
      () => {
        if (started.some((c) => c.exitCode !== null)) throw new Error(`local Slurm: a daemon exited\n${log()}`);
        const r = spawnSync(findTool('sinfo')!, ['-h', '-o', '%t'], { env: { ...process.env, ...env }, encoding: 'utf8' });
        return r.status === 0 && /idle/.test(r.stdout);
      },
      60_000,
      log,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { dir, env, stop };
}
