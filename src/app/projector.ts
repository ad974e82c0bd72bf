/**
 * Projector mode: large type, high contrast, dark, for showing the playground on a projector.
 * A class on <html> switches the CSS variables of theme.css. The choice comes from the URL
 * (`projector=1|0`, so a shared link can ask for it), else from localStorage (the last choice
 * on this device), else off. Toggling remembers the choice and writes it into the URL.
 * DOM access goes through small seams so the logic is tested in Node.
 */
import { withParam } from './url-params.ts';

export const PROJECTOR_CLASS = 'projector';
export const PROJECTOR_STORAGE_KEY = 'metamer-playground:projector';
export const PROJECTOR_PARAM = 'projector';

type StorageLike = Pick<Storage, 'getItem' | 'setItem'>;
type RootLike = { classList: Pick<DOMTokenList, 'toggle' | 'contains'> };

/** localStorage, or null where it is missing or refused (private windows, sandboxed frames). */
export function browserStorage(): StorageLike | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

/** Whether projector mode starts on: the URL's word first, then the remembered choice. */
export function initialProjectorMode(search: string, storage: StorageLike | null): boolean {
  const v = new URLSearchParams(search).get(PROJECTOR_PARAM);
  if (v === '1' || v === 'true') return true;
  if (v === '0' || v === 'false') return false;
  try {
    return storage?.getItem(PROJECTOR_STORAGE_KEY) === '1';
  } catch {
    return false;
  }
}

/** Shows the mode (the class on the root element). */
export function applyProjectorMode(on: boolean, root: RootLike): void {
  root.classList.toggle(PROJECTOR_CLASS, on);
}

/**
 * A user's choice: shows it, remembers it, and returns the search string to put in the address
 * bar (the `projector` parameter set while on and removed while off, other parameters kept).
 */
export function chooseProjectorMode(on: boolean, root: RootLike, storage: StorageLike | null, search: string): string {
  applyProjectorMode(on, root);
  try {
    storage?.setItem(PROJECTOR_STORAGE_KEY, on ? '1' : '0');
  } catch {
    // Storage full or refused: the mode still applies to this page and its URL.
  }
  return withParam(search, PROJECTOR_PARAM, on ? '1' : undefined);
}
