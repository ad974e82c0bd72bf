/**
 * IndexedDB plumbing shared by the run store and the model store: opening a database,
 * one-transaction writes that abort as a whole, and mapping browser storage failures
 * (no IndexedDB, a refused open, a full quota) to the store's own error with a message a user
 * can act on.
 *
 * The stores differ only in words and in their error class, so each describes itself once
 * (a StoreKind) and gets an IdbAccess bound to it; every message keeps the same shape in both.
 */

export type StoreErrorReason = 'unavailable' | 'quota' | 'missing' | 'failed';

/** Base of RunStoreError and ModelStoreError; `reason` tells the app what kind of failure it is. */
export class StoreError extends Error {
  constructor(
    message: string,
    readonly reason: StoreErrorReason,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/** What differs between stores in how their failures are reported. */
export interface StoreKind<E extends StoreError> {
  /** The store's error class; failures become instances of it, and instances pass through as is. */
  ErrorClass: new (message: string, reason: StoreErrorReason, options?: { cause?: unknown }) => E;
  /** Ends the quota message after "while trying to <action>: " (what is lost, how to make room). */
  quotaAdvice: string;
  /** Ends the "IndexedDB is not available" message (what will not be saved). */
  unavailableAdvice: string;
}

/** Which database to open, and how to create or migrate its object stores. */
export interface DatabaseSpec {
  name: string;
  version: number;
  /** Runs in onupgradeneeded: creates the object stores and indexes that are missing. */
  upgrade: (db: IDBDatabase) => void;
  /** Action words for a quota failure while opening, e.g. 'open the run store'. */
  openAction: string;
}

function isQuota(err: unknown): boolean {
  return (err as { name?: unknown } | null)?.name === 'QuotaExceededError';
}

/** "Name: message" of an Error or DOMException (both carry a name), else the value as text. */
export function errorText(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'message' in err) {
    const { name, message } = err as { name?: string; message?: string };
    return message ? `${name ? `${name}: ` : ''}${message}` : String(name ?? err);
  }
  return String(err);
}

/** Resolves with a request's result, or rejects with its error. */
export function requestResult<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** IndexedDB access whose every failure surfaces as the store's error class `E`. */
export class IdbAccess<E extends StoreError> {
  constructor(private readonly kind: StoreKind<E>) {}

  /** Maps a storage failure while trying to `action` (e.g. 'save the run') to an error a user can act on. */
  storageError(err: unknown, action: string): E {
    const { ErrorClass, quotaAdvice } = this.kind;
    if (err instanceof ErrorClass) return err;
    if (isQuota(err)) {
      return new ErrorClass(`Browser storage is full (quota exceeded) while trying to ${action}: ${quotaAdvice}`, 'quota', { cause: err });
    }
    return new ErrorClass(`Could not ${action} in browser storage (${errorText(err)})`, 'failed', { cause: err });
  }

  unavailable(detail: string, cause?: unknown): E {
    return new this.kind.ErrorClass(
      `IndexedDB is not available (${detail}); this happens in private browsing or when site storage is disabled. ${this.kind.unavailableAdvice}`,
      'unavailable',
      { cause },
    );
  }

  /**
   * Runs `body` in one transaction and resolves with its result once the transaction commits.
   * If the body throws (or rejects) the transaction is aborted, so a failed save writes nothing.
   */
  transact<T>(
    db: IDBDatabase,
    stores: string[],
    mode: IDBTransactionMode,
    action: string,
    body: (tx: IDBTransaction) => Promise<T>,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let tx: IDBTransaction;
      try {
        tx = db.transaction(stores, mode);
      } catch (err) {
        reject(this.storageError(err, action));
        return;
      }
      let result: T;
      let failure: E | null = null;
      tx.oncomplete = () => (failure ? reject(failure) : resolve(result));
      tx.onabort = () => reject(failure ?? this.storageError(tx.error ?? new Error('transaction aborted'), action));
      const fail = (err: unknown) => {
        failure ??= this.storageError(err, action);
        try {
          tx.abort();
        } catch {
          // Already aborting or finished: onabort/oncomplete reports.
        }
      };
      try {
        body(tx).then((value) => {
          result = value;
        }, fail);
      } catch (err) {
        fail(err);
      }
    });
  }

  /**
   * Opens (creating or upgrading on first use) a database from `factory`, or from the global
   * indexedDB when none is passed. Rejects with an 'unavailable' error when there is no
   * IndexedDB or the browser refuses to open it, and with a 'quota' error when storage is full.
   */
  open(factory: IDBFactory | undefined, spec: DatabaseSpec): Promise<IDBDatabase> {
    const source = factory ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
    if (!source) return Promise.reject(this.unavailable('this environment has no indexedDB'));
    return new Promise((resolve, reject) => {
      let request: IDBOpenDBRequest;
      try {
        request = source.open(spec.name, spec.version);
      } catch (err) {
        // Some browsers throw SecurityError synchronously for opaque origins or disabled storage.
        reject(this.unavailable(errorText(err), err));
        return;
      }
      request.onupgradeneeded = () => spec.upgrade(request.result);
      request.onerror = () => {
        const err = request.error;
        reject(isQuota(err) ? this.storageError(err, spec.openAction) : this.unavailable(errorText(err), err));
      };
      // Only a tab of an older app version (which failed to close on 'versionchange') can block
      // an upgrade; give up with a message rather than hang, and close the connection if it
      // opens after all.
      let gaveUp = false;
      request.onblocked = () => {
        gaveUp = true;
        reject(this.unavailable('another tab holds an older version of the database open; close it and reload'));
      };
      request.onsuccess = () => {
        const db = request.result;
        if (gaveUp) {
          db.close();
          return;
        }
        // Let a newer version of the app (another tab) upgrade the database instead of blocking it.
        db.onversionchange = () => db.close();
        resolve(db);
      };
    });
  }
}
