/**
 * List rows: one small value per synced, live record of a paged collection (LISTS in
 * summary.js), in the `lists` store, written in the same transaction as `records`. Its
 * multiEntry index `order` holds one key per scope the row is listed in, everyone's (ALL)
 * and each owner's:
 *
 *   lists {key, collection, id, version, data (summary), conflicts, resolving, at, order}
 *     at = listOrder (minus the list time), order = [[collection, scope, at, id], ...]
 *     agenda = [[collection, owner, ...], ...] (collections with LISTS[c].agenda; see below)
 *
 * so a list screen reads its first rows in display order from the index (`records.js`
 * listPage), and the next rows as the person scrolls; a second multiEntry index `agenda` holds
 * where each row stands on its owners' day (below), so 今日 reads that day's rows only. Each
 * collection's row counts per scope are kept beside the rows (COUNTS), updated by the same
 * writes: counting an index range
 * walks every entry (120 ms for 10,000 rows on a busy laptop), reading one value does not.
 * Opening a list of 10,000 costs what a list of 50 does.
 *
 *   lists {key: '#counts/<collection>', counts: [[scope, n], ...]}   (not in the index)
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
  const people = [...new Set((Array.isArray(owners) ? owners : []).filter((o) => typeof o === 'string'))];
  const scopes = [ALL, ...people];
  const row = { key: rec.key, collection: rec.collection, id: rec.id, version: rec.version, data,
    conflicts: rec.conflicts || [], resolving: rec.resolving || [], at,
    order: scopes.map((s) => [rec.collection, s, at, rec.id]) };
  if (spec.agenda) {
    const spot = spec.agenda(rec.data || {});
    row.agenda = people.map((o) => (spot.open ? [rec.collection, o, OPEN, spot.rank, spot.time, rec.id]
      : [rec.collection, o, DONE, spot.day, rec.id]));
    const due = (rec.data || {}).callback_due;
    if (Number.isFinite(due)) row.agenda.push([rec.collection, ALL, CALLBACK, due, rec.id]);
  }
  return row;
}

/*
 * The `agenda` index (multiEntry, over `agenda`): one key per owner of a row, for 今日.
 *   open rows (still to do):  [collection, owner, OPEN, rank, time, id]
 *   the others:               [collection, owner, DONE, day, id]
 * so one owner's day is two key ranges: the open rows of rank 0 (whatever their time) and of
 * rank 1 due by the end of the day, in display order; and the rows done that day. A row
 * with a call-back deadline has one more key, [collection, ALL, CALLBACK, callback_due, id].
 */
const OPEN = 0;
const DONE = 1;
const CALLBACK = 2;
/** Above every id in an index key (arrays sort after strings and numbers). */
const TOP = [];

/**
 * The key ranges of one owner's day in the `agenda` index, optionally after a row's key.
 * @param {string} collection
 * @param {string} owner
 * @param {number} dayStart the day's first millisecond
 * @param {number} dayEnd the day's last millisecond
 * @param {any[]} [after] the index key of the last open row read
 */
export function dayRanges(collection, owner, dayStart, dayEnd, after) {
  const end = [collection, owner, OPEN, 1, dayEnd, TOP];
  return {
    open: after ? IDBKeyRange.bound(after, end, true, false) : IDBKeyRange.bound([collection, owner, OPEN], end),
    done: IDBKeyRange.bound([collection, owner, DONE, dayStart], [collection, owner, DONE, dayEnd, TOP]),
  };
}

/** The rows whose call-back falls due at `since` or later, by deadline (`row.callbackDue`). */
export async function readCallbacks(t, collection, since) {
  const range = IDBKeyRange.bound([collection, ALL, CALLBACK, since], [collection, ALL, CALLBACK, Infinity, TOP]);
  const rows = await promised(t.objectStore('lists').index('agenda').getAll(range));
  for (const row of rows) {
    const key = row.agenda.find((k) => k[1] === ALL && k[2] === CALLBACK);
    row.callbackDue = key ? key[3] : null;
  }
  return rows;
}

/** A stored row's key in the `agenda` index for `owner` (undefined when it has none). */
export const agendaKey = (row, owner) => (row && row.agenda ? row.agenda.find((k) => k[1] === owner) : undefined);

/**
 * Up to `n` open rows of an owner's day after `after`, in display order (one request).
 * @param {IDBTransaction} t
 * @param {IDBKeyRange} range `dayRanges(...).open`
 * @param {number} n
 */
export function readOpen(t, range, n) {
  return promised(t.objectStore('lists').index('agenda').getAll(range, n));
}

/** Whether a stored row is listed in `scope`. */
export const inScope = (row, scope) => !!row && row.order.some((k) => k[1] === scope);

/** The key of a collection's counts. */
export const countsKey = (collection) => `#counts/${collection}`;

/** Count changes of one transaction: collection -> scope -> delta. */
class Tally {
  constructor() { /** @type {Map<string, Map<string|number, number>>} */ this.by = new Map(); }

  /** Count a row in (+1) or out (-1) of each scope it is listed in. */
  add(row, n) {
    if (!row) return;
    if (!this.by.has(row.collection)) this.by.set(row.collection, new Map());
    const m = /** @type {Map<string|number, number>} */ (this.by.get(row.collection));
    for (const k of row.order) m.set(k[1], (m.get(k[1]) || 0) + n);
  }

  /** Add the changes to the stored counts (await it inside the transaction). */
  async write(store) {
    for (const [collection, changes] of this.by) {
      const key = countsKey(collection);
      const stored = await promised(store.get(key));
      const counts = new Map(stored ? stored.counts : []);
      for (const [scope, n] of changes) counts.set(scope, (counts.get(scope) || 0) + n);
      store.put({ key, counts: [...counts].filter(([, n]) => n > 0) });
    }
  }
}

/**
 * List row writes of one transaction (covering 'lists'): `put(rec)` keeps a record's row in
 * step with it, `flush()` updates the counts.
 * @param {IDBTransaction} t
 */
export function rowWriter(t) {
  const store = t.objectStore('lists');
  const tally = new Tally();
  /** @type {Promise<void>[]} */
  const reads = [];
  return {
    /** Set (or remove) the row of a `records` value just written. */
    put(rec) {
      if (!LISTS[rec.collection]) return;
      const row = listRow(rec);
      // The old row is read before the new one is written (requests run in order), so a
      // record written twice in one transaction is counted once.
      reads.push(promised(store.get(rec.key)).then((old) => { tally.add(old, -1); tally.add(row, 1); }));
      if (row) store.put(row);
      else store.delete(rec.key);
    },
    /** Update the counts (await it inside the transaction). */
    async flush() {
      await Promise.all(reads);
      await tally.write(store);
    },
  };
}

/**
 * Build every list row and count from `records` inside transaction `t` (an upgrade: phones
 * that already hold records get their rows before the new version lists anything).
 * @param {IDBTransaction} t
 */
export function rowsAll(t) {
  const store = t.objectStore('lists');
  store.clear();
  const tally = new Tally();
  const cursor = t.objectStore('records').openCursor();
  cursor.onsuccess = () => {
    const c = cursor.result;
    if (!c) {
      tally.write(store);
      return;
    }
    const row = LISTS[c.value.collection] ? listRow(c.value) : null;
    if (row) store.put(row);
    tally.add(row, 1);
    c.continue();
  };
}

/**
 * How many rows a scope of a list holds (the stored count).
 * @param {IDBTransaction} t
 * @param {string} collection
 * @param {string|number} scope
 * @returns {Promise<number>}
 */
export async function countRows(t, collection, scope) {
  const stored = await promised(t.objectStore('lists').get(countsKey(collection)));
  const hit = stored && stored.counts.find(([s]) => s === scope);
  return hit ? hit[1] : 0;
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

/**
 * How many rows a key range of the `agenda` index holds (walks the range in the database,
 * not in the page: what one person has due, not the whole list).
 * @param {IDBTransaction} t
 * @param {IDBKeyRange} range
 * @returns {Promise<number>}
 */
export function countAgenda(t, range) {
  return promised(t.objectStore('lists').index('agenda').count(range));
}

/**
 * Every row of a key range of the `agenda` index (the rows done on one day).
 * @param {IDBTransaction} t
 * @param {IDBKeyRange} range
 * @returns {Promise<any[]>}
 */
export function readAgenda(t, range) {
  return promised(t.objectStore('lists').index('agenda').getAll(range));
}
