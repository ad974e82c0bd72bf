/**
 * Page settings read from (and written back to) the URL, so a run can be shared or driven
 * by tests: ?model=hmax&backend=webgpu&stage=S1&steps=6&passes=1&seed=1&ref=0&autostart=1
 */
import type { RunConfig } from '../engine/types.ts';
import { isBrowserBackend, type BrowserBackend } from '../platform/backend-names.ts';

export interface PageParams {
  model: string;
  backend?: BrowserBackend;
  stage?: string;
  /** Total optimizer steps; split evenly over `passes`. Undefined: the preset's schedule. */
  steps?: number;
  passes?: number;
  seed?: number;
  referenceIndex: number;
  autostart: boolean;
  /** `measure=stage`: live metrics only at the generation stage (faster on slow devices). */
  measure: 'all' | 'stage';
}

function positiveInt(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n > 0 ? n : undefined;
}

export function parsePageParams(search: string): PageParams {
  const q = new URLSearchParams(search);
  const backend = q.get('backend') ?? undefined;
  const seed = q.get('seed');
  return {
    model: q.get('model') || 'hmax',
    backend: backend && isBrowserBackend(backend) ? backend : undefined,
    stage: q.get('stage') || undefined,
    steps: positiveInt(q.get('steps')),
    passes: positiveInt(q.get('passes')),
    seed: seed !== null && /^-?\d+$/.test(seed) ? Number(seed) : undefined,
    referenceIndex: positiveInt(q.get('ref')) ?? 0,
    autostart: q.get('autostart') === '1' || q.get('autostart') === 'true',
    measure: q.get('measure') === 'stage' ? 'stage' : 'all',
  };
}

/**
 * Overrides for makeRunConfig from the page settings. `steps` without `passes` means one pass
 * (so eta does not halve every few steps in a short run); with both, steps are split evenly.
 */
export function configOverrides(p: Pick<PageParams, 'steps' | 'passes' | 'seed'>): Partial<RunConfig> {
  const out: Partial<RunConfig> = {};
  if (p.steps !== undefined) {
    const passes = p.passes ?? 1;
    out.passes = passes;
    out.itersPerPass = Math.max(1, Math.ceil(p.steps / passes));
  } else if (p.passes !== undefined) {
    out.passes = p.passes;
  }
  if (p.seed !== undefined) out.seed = p.seed;
  return out;
}

export function toSearch(p: PageParams): string {
  const q = new URLSearchParams();
  q.set('model', p.model);
  if (p.backend) q.set('backend', p.backend);
  if (p.stage) q.set('stage', p.stage);
  if (p.steps !== undefined) q.set('steps', String(p.steps));
  if (p.passes !== undefined) q.set('passes', String(p.passes));
  if (p.seed !== undefined) q.set('seed', String(p.seed));
  if (p.referenceIndex) q.set('ref', String(p.referenceIndex));
  if (p.autostart) q.set('autostart', '1');
  if (p.measure === 'stage') q.set('measure', 'stage');
  return '?' + q.toString();
}
