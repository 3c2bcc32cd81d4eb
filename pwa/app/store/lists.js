/**
 * List rows: one small value per synced, live record of a paged collection (LISTS in
 * summary.js), in the `lists` store, written in the same transaction as `records`. Its
 * multiEntry index `order` holds one key per scope the row is listed in, everyone's (ALL)
 * and each owner's:
 *
 *   lists {key, collection, id, version, data (summary), conflicts, resolving, at, order}
 *     at = listOrder (minus the list time), order = [[collection, scope, at, id], ...]
 *
 * so a list screen reads its first rows in display order and its total from the index
 * (`records.js` listPage), and the next rows as the person scrolls: opening a list of 10,000
 * costs what a list of 50 does.
 */

import { promised } from '../idb.js';
import { ALL, LISTS, listOrder, summarize } from './summary.js';

/**
 * The key range of one scope of a list, optionally after a row's key.
 * @param {string} collection
 * @param {string|number} scope ALL or an owner id
 * @param {any[]} [after] the index key of the last row read
 */
export function scopeRange(collection, scope, after) {
  const end = [collection, scope, Infinity];
  return after ? IDBKeyRange.bound(after, end, true, false) : IDBKeyRange.bound([collection, scope, -Infinity], end);
}

/** A row's key in the index for `scope`. */
export const orderKey = (row, scope) => [row.collection, scope, row.at, row.id];

/**
 * The list row of a synced record, or null when it has none (deleted, or its collection
 * is not paged).
 * @param {any} rec a `records` value
 */
export function listRow(rec) {
  const spec = LISTS[rec.collection];
  if (!spec || rec.deleted) return null;
  const data = summarize(rec.collection, rec.data) || {};
  const at = listOrder(rec.collection, rec.data);
  const owners = spec.owners(rec.data || {});
  const scopes = [ALL, ...new Set((Array.isArray(owners) ? owners : []).filter((o) => typeof o === 'string'))];
  return { key: rec.key, collection: rec.collection, id: rec.id, version: rec.version, data,
    conflicts: rec.conflicts || [], resolving: rec.resolving || [], at,
    order: scopes.map((s) => [rec.collection, s, at, rec.id]) };
}

/** Whether a stored row is listed in `scope`. */
export const inScope = (row, scope) => !!row && row.order.some((k) => k[1] === scope);

/**
 * Keep a record's list row in step with it (inside a transaction covering 'lists').
 * @param {IDBTransaction} t
 * @param {any} rec the `records` value just written
 */
export function putRow(t, rec) {
  if (!LISTS[rec.collection]) return;
  const row = listRow(rec);
  if (row) t.objectStore('lists').put(row);
  else t.objectStore('lists').delete(rec.key);
}

/**
 * Build every list row from `records` inside transaction `t` (an upgrade: phones that
 * already hold records get their rows before the new version lists anything).
 * @param {IDBTransaction} t
 */
export function rowsAll(t) {
  const store = t.objectStore('lists');
  store.clear();
  const cursor = t.objectStore('records').openCursor();
  cursor.onsuccess = () => {
    const c = cursor.result;
    if (!c) return;
    const row = LISTS[c.value.collection] ? listRow(c.value) : null;
    if (row) store.put(row);
    c.continue();
  };
}

/**
 * Read up to `n` rows of a scope after `after` (one request).
 * @param {IDBTransaction} t
 * @param {string} collection
 * @param {string|number} scope
 * @param {number} n
 * @param {any[]} [after]
 * @returns {Promise<any[]>}
 */
export function readRows(t, collection, scope, n, after) {
  return promised(t.objectStore('lists').index('order').getAll(scopeRange(collection, scope, after), n));
}
