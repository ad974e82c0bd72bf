#!/usr/bin/env node
// Run first by `npm test`: checks the programs the tests need besides Node packages - Debian
// Chromium (browser tests), Slurm with munge (the cluster batch test) and python3 (reference
// checks) - installs the missing ones when it can (root with apt-get), else stops at once with
// the exact command to run. Plain Node (no TypeScript, no packages) so it runs before anything.
// --no-install: only check (what a non-root user sees).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Debian package -> programs it provides (any path listed, or on PATH / sbin). */
export const DEPENDENCIES = [
  { pkg: 'chromium', what: 'headless browser tests', programs: [process.env.CHROMIUM_PATH ?? 'chromium'] },
  { pkg: 'slurm-wlm', what: 'the Slurm batch test', programs: ['slurmctld', 'slurmd', 'sbatch', 'sinfo'] },
  { pkg: 'munge', what: 'the Slurm batch test (authentication)', programs: ['munged'] },
  { pkg: 'python3', what: 'reference checks', programs: ['python3'] },
];

function found(program) {
  if (program.includes('/')) return existsSync(program);
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/local/sbin'];
  return dirs.some((d) => d && existsSync(join(d, program)));
}

function missing() {
  return DEPENDENCIES.filter((d) => !d.programs.every(found));
}

const lacking = missing();
if (lacking.length === 0) {
  console.error('system dependencies: ok (chromium, slurm-wlm, munge, python3)');
  process.exit(0);
}
const pkgs = lacking.map((d) => d.pkg);
const list = lacking.map((d) => `${d.pkg} (${d.what})`).join(', ');
const isRoot = process.getuid?.() === 0 && !process.argv.includes('--no-install');
const hasApt = found('apt-get');
if (isRoot && hasApt) {
  console.error(`system dependencies: installing ${list} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const install = update.status === 0 ? spawnSync('apt-get', ['install', '-y', '-qq', ...pkgs], { stdio: ['ignore', 'ignore', 'inherit'], env }) : update;
  const still = missing();
  if (install.status === 0 && still.length === 0) {
    console.error('system dependencies: ok');
    process.exit(0);
  }
  console.error(`system dependencies: apt-get could not install ${still.map((d) => d.pkg).join(', ') || pkgs.join(', ')}; install by hand: apt-get install -y ${pkgs.join(' ')}`);
  process.exit(1);
}
console.error(`system dependencies: missing ${list}.\nRun this, then npm test again:\n  ${hasApt ? 'sudo apt-get install -y' : 'install the Debian/Ubuntu packages (or equivalents):'} ${pkgs.join(' ')}`);
process.exit(1);
