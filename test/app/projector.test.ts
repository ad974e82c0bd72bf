import { describe, expect, it } from 'vitest';
import {
  applyProjectorMode, chooseProjectorMode, initialProjectorMode, PROJECTOR_CLASS, PROJECTOR_STORAGE_KEY,
} from '../../src/app/projector.ts';

function fakeStorage(initial: Record<string, string> = {}) {
  const items = new Map(Object.entries(initial));
  return { items, getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v) };
}

function fakeRoot() {
  const classes = new Set<string>();
  return {
    classes,
    classList: {
      contains: (c: string) => classes.has(c),
      toggle: (c: string, force?: boolean) => {
        const on = force ?? !classes.has(c);
        if (on) classes.add(c);
        else classes.delete(c);
        return on;
      },
    },
  };
}

describe('projector mode', () => {
  it('starts from the URL, else the remembered choice, else off', () => {
    const remembered = fakeStorage({ [PROJECTOR_STORAGE_KEY]: '1' });
    expect(initialProjectorMode('', null)).toBe(false);
    expect(initialProjectorMode('', fakeStorage())).toBe(false);
    expect(initialProjectorMode('', remembered)).toBe(true);
    expect(initialProjectorMode('?projector=0', remembered)).toBe(false);
    expect(initialProjectorMode('?model=hmax&projector=1', fakeStorage())).toBe(true);
    expect(initialProjectorMode('?projector=bogus', remembered)).toBe(true);
    const broken = { getItem: () => { throw new Error('SecurityError'); }, setItem: () => {} };
    expect(initialProjectorMode('', broken)).toBe(false);
  });

  it('shows the mode as a class on the root element', () => {
    const root = fakeRoot();
    applyProjectorMode(true, root);
    expect(root.classes.has(PROJECTOR_CLASS)).toBe(true);
    applyProjectorMode(true, root);
    expect(root.classes.has(PROJECTOR_CLASS)).toBe(true);
    applyProjectorMode(false, root);
    expect(root.classes.size).toBe(0);
  });

  it('remembers a choice and writes it into the URL, keeping the other parameters', () => {
    const root = fakeRoot();
    const storage = fakeStorage();
    expect(chooseProjectorMode(true, root, storage, '?model=hmax&seed=3')).toBe('?model=hmax&seed=3&projector=1');
    expect(storage.items.get(PROJECTOR_STORAGE_KEY)).toBe('1');
    expect(initialProjectorMode('', storage)).toBe(true);
    expect(chooseProjectorMode(false, root, storage, '?model=hmax&projector=1&seed=3')).toBe('?model=hmax&seed=3');
    expect(storage.items.get(PROJECTOR_STORAGE_KEY)).toBe('0');
    expect(root.classes.size).toBe(0);
    // Storage that refuses writes does not stop the mode.
    const full = { getItem: () => null, setItem: () => { throw new Error('QuotaExceededError'); } };
    expect(chooseProjectorMode(true, root, full, '')).toBe('?projector=1');
    expect(root.classes.has(PROJECTOR_CLASS)).toBe(true);
  });
});
