/**
 * A small promise wrapper over IndexedDB: open with an upgrade callback, run a function
 * inside one transaction, turn requests into promises. Nothing else: the data model
 * lives in store.js.
 */

/**
 * A request's result as a promise.
 * @template T
 * @param {IDBRequest<T>} request
 * @returns {Promise<T>}
 */
export function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/**
 * Open (and if needed upgrade) a database.
 * @param {string} name
 * @param {number} version
 * @param {(db: IDBDatabase, oldVersion: number, tx: IDBTransaction) => void} upgrade
 * @returns {Promise<IDBDatabase>}
 */
export function open(name, version, upgrade) {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, version);
    req.onupgradeneeded = (e) => upgrade(req.result, e.oldVersion, /** @type {IDBTransaction} */ (req.transaction));
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/**
 * Run `fn` inside one transaction and resolve with its result once the transaction has
 * committed, so callers know the change is on disk before they tell anyone about it.
 * `fn` may be async but must only await IndexedDB requests of this transaction (awaiting
 * anything else lets the transaction auto-commit half done).
 * @template T
 * @param {IDBDatabase} db
 * @param {string[]} stores
 * @param {IDBTransactionMode} mode
 * @param {(tx: IDBTransaction) => T | Promise<T>} fn
 * @param {'strict'|'relaxed'|'default'} [durability] 'strict' for user work: flushed before complete.
 * @returns {Promise<T>}
 */
export function transact(db, stores, mode, fn, durability) {
  return new Promise((resolve, reject) => {
    const tx = durability ? db.transaction(stores, mode, { durability }) : db.transaction(stores, mode);
    /** @type {T} */
    let result;
    let failed = false;
    tx.oncomplete = () => { if (!failed) resolve(result); };
    tx.onerror = () => { failed = true; reject(tx.error); };
    tx.onabort = () => { failed = true; reject(tx.error || new DOMException('transaction aborted', 'AbortError')); };
    let out;
    try {
      out = fn(tx);
    } catch (err) {
      failed = true;
      try { tx.abort(); } catch { /* already finished */ }
      reject(err);
      return;
    }
    Promise.resolve(out).then((value) => { result = value; }, (err) => {
      failed = true;
      try { tx.abort(); } catch { /* already finished */ }
      reject(err);
    });
  });
}
