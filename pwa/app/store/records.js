/**
 * Synced records and the merged view people see: the synced copy with unsent ops applied
 * in order. Also what a sync brings back (`settle`), written with the packs in one
 * transaction.
 */

import { promised } from '../idb.js';
import { emit } from '../bus.js';
import { SCHEMA_VERSION } from '../config.js';
import { tx } from './db.js';
import { packRange, packWriter, summaryRange } from './packs.js';
import { LISTS, SUMMARY_PATHS, listOrder } from './summary.js';
import {
  agendaKey, countAgenda, countRows, dayRanges, inScope, orderKey, readAgenda, readCallbacks, readOpen, readRows, rowWriter,
} from './lists.js';
import { clone, keyOf, setPath } from './paths.js';

/**
 * A record as people see it: the synced copy with unsent ops applied in order (`data`: a
 * change the server refused stays in it, so the person's input is not lost while they fix
 * it), and `standing`: the same without the refused changes (the server's state and what is
 * still going out), which a page's header shows.
 * @param {any} rec the synced record, or undefined for one made here
 * @param {any[]} ops this record's outbox entries, oldest first
 * @param {string} [collection]
 * @param {string} [id]
 */
export function merged(rec, ops = [], collection, id) {
  const data = rec ? clone(rec.data || {}) : {};
  let deleted = rec ? !!rec.deleted : false;
  const refused = ops.some((o) => o.state === 'rejected');
  const standing = refused ? (rec ? clone(rec.data || {}) : {}) : data;
  for (const op of ops) {
    for (const [path, value] of Object.entries(op.set || {})) {
      setPath(data, path, value);
      if (refused && op.state !== 'rejected') setPath(standing, path, value);
    }
    if (op.delete) deleted = true;
  }
  return {
    key: rec ? rec.key : keyOf(collection || ops[0].collection, id || ops[0].record),
    collection: rec ? rec.collection : ops[0].collection,
    id: rec ? rec.id : ops[0].record,
    version: rec ? rec.version : 0,
    deleted,
    data,
    standing,
    synced: rec ? rec.data : null,
    conflicts: (rec && rec.conflicts) || [],
    resolving: (rec && rec.resolving) || [],
    pending: ops.filter((o) => o.state === 'pending').length,
    rejected: ops.filter((o) => o.state === 'rejected'),
    ops,
  };
}

/** The merged view of a record without pending ops, without copying its data. */
function fastView(rec) {
  return { key: rec.key, collection: rec.collection, id: rec.id, version: rec.version, deleted: !!rec.deleted,
    data: rec.data || {}, standing: rec.data || {}, synced: rec.data, conflicts: rec.conflicts || [], resolving: rec.resolving || [],
    pending: 0, rejected: [], ops: [] };
}

function groupByKey(ops) {
  /** @type {Map<string, any[]>} */
  const by = new Map();
  for (const op of ops) {
    if (!by.has(op.key)) by.set(op.key, []);
    by.get(op.key).push(op);
  }
  return by;
}

/**
 * Every live record of a collection, merged with unsent work (records made here included).
 * @param {string} collection
 * @returns {Promise<ReturnType<typeof merged>[]>}
 */
export async function list(collection) {
  const [packs, ops] = await tx(['packs', 'outbox'], 'readonly', (t) => Promise.all([
    promised(t.objectStore('packs').getAll(packRange(collection))),
    promised(t.objectStore('outbox').getAll()),
  ]));
  const byKey = groupByKey(ops.filter((o) => o.collection === collection));
  const out = [];
  for (const pack of packs) {
    for (const [id, row] of Object.entries(pack.rows)) {
      const key = keyOf(collection, id);
      const mine = byKey.get(key);
      if (mine) byKey.delete(key);
      if (!mine && row.deleted) continue;
      const rec = { key, collection, id, ...row };
      const m = mine ? merged(rec, mine) : fastView(rec);
      if (!m.deleted) out.push(m);
    }
  }
  for (const mine of byKey.values()) {
    const m = merged(undefined, mine);
    if (!m.deleted) out.push(m);
  }
  return out;
}

const NONE = Object.freeze([]);

/**
 * A synced record without unsent work, as a list sees it: the merged view's shape, with
 * the summary as `data`. The constant parts sit on the prototype.
 */
class SummaryView {
  constructor(collection, id, row) {
    this.collection = collection;
    this.id = id;
    this.version = row.version;
    this.data = row.data;
    this.at = row.at; // list order (lists.js rows; undefined for summary packs)
    this.conflicts = row.conflicts || NONE;
    this.resolving = row.resolving || NONE;
  }

  get key() { return keyOf(this.collection, this.id); }

  get synced() { return this.data; }

  get standing() { return this.data; }
}
Object.assign(SummaryView.prototype, { deleted: false, pending: 0, rejected: NONE, ops: NONE });

/**
 * Every live record of a collection for a list: like `list`, but synced records without
 * unsent work carry only their summary (summary.js) as `data`; records with unsent work
 * are merged in full. Falls back to `list` for collections without summaries.
 * @param {string} collection
 * @returns {Promise<ReturnType<typeof merged>[]>}
 */
export async function listSummaries(collection) {
  if (!SUMMARY_PATHS[collection]) return list(collection);
  return tx(['packs', 'outbox', 'records'], 'readonly', async (t) => {
    const [packs, ops] = await Promise.all([
      promised(t.objectStore('packs').getAll(summaryRange(collection))),
      promised(t.objectStore('outbox').getAll()),
    ]);
    const byKey = groupByKey(ops.filter((o) => o.collection === collection));
    const unsent = new Set([...byKey.values()].map((mine) => mine[0].record));
    const out = [];
    // 10,000 rows: a plain loop and one small object each (the rest comes from the prototype).
    for (const pack of packs) {
      const rows = pack.rows;
      for (const id in rows) {
        const row = rows[id];
        if (row.deleted || unsent.has(id)) continue; // unsent work: merged in full below
        out.push(new SummaryView(collection, id, row));
      }
    }
    const recs = t.objectStore('records');
    const full = await Promise.all([...byKey.entries()].map(async ([key, mine]) => {
      mine.sort((a, b) => a.seq - b.seq);
      return merged(await promised(recs.get(key)), mine, collection, mine[0].record);
    }));
    for (const m of full) if (!m.deleted) out.push(m);
    return out;
  });
}

/** Rows in list order: newest first (smaller `at`), then by id (as the index orders them). */
const before = (a, b) => a.at < b.at || (a.at === b.at && a.id < b.id);

/**
 * Pages of a list whose stored rows come from an index in display order, merged with views
 * held in memory (records with unsent work, merged in full), which go in their place.
 * @param {any[]} rows the first stored rows, already read (up to `size`)
 * @param {number} size how many were asked for
 * @param {(n: number, after: any[] | undefined) => Promise<any[]>} read the next n stored
 *   rows after the index key `after` (a new transaction each time, starting after the last
 *   row read, so a sync in between shifts nothing already shown)
 * @param {(row: any) => any[]} indexKey a stored row's key in that index
 * @param {any[]} extra views to show among them, in display order
 * @param {Set<string>} skip keys of stored rows left out (shown merged, in `extra`)
 * @param {(a: any, b: any) => boolean} first whether view a is shown before view b
 * @returns {(n: number) => Promise<any[]>} the next n views
 */
function pager(rows, size, read, indexKey, extra, skip, first) {
  /** Stored rows read but not yet handed out, and where the next read starts. */
  const buffer = [];
  /** @type {any[] | undefined} */
  let after;
  let exhausted = false;
  let u = 0;
  const keep = (got, n) => {
    if (got.length) after = indexKey(got[got.length - 1]);
    if (got.length < n) exhausted = true;
    for (const row of got) if (!skip.has(row.key)) buffer.push(new SummaryView(row.collection, row.id, row));
  };
  keep(rows, size);
  return async (n) => {
    const out = [];
    while (out.length < n) {
      if (!buffer.length && !exhausted) {
        const want = n - out.length;
        keep(await read(want, after), want);
        continue;
      }
      const next = buffer[0];
      if (u < extra.length && (!next || first(extra[u], next))) out.push(extra[(u += 1) - 1]);
      else if (next) out.push(buffer.shift());
      else break;
    }
    return out;
  };
}

/** A sort comparator from a "comes first" test. */
const comparing = (first) => (a, b) => (first(a, b) ? -1 : first(b, a) ? 1 : 0);

/**
 * A list of a paged collection (LISTS in summary.js), one scope of it, read a page at a
 * time from the `lists` index in display order (newest first): the synced records listed in
 * `scope` (ALL, or an owner's id) plus every record with unsent work (merged in full, as
 * `listSummaries` does). Synced rows carry their summary as `data`.
 *
 * `first` holds the first `size` rows and `total` the count, read in one transaction;
 * `more(n)` reads the next n rows (a new transaction each time, starting after the last row
 * read, so a sync in between shifts nothing already shown).
 * @param {string} collection
 * @param {string|number} scope
 * @param {number} [size]
 * @returns {Promise<{total: number, first: any[], more: (n: number) => Promise<any[]>}>}
 */
export async function listPage(collection, scope, size = 50) {
  const { rows, total, unsent, unsentKeys } = await tx(['lists', 'outbox', 'records'], 'readonly', async (t) => {
    const [count, rows, ops] = await Promise.all([
      countRows(t, collection, scope),
      readRows(t, collection, scope, size),
      promised(t.objectStore('outbox').getAll()),
    ]);
    const { views, counted, byKey } = await withUnsent(t, collection, ops, (row) => inScope(row, scope));
    const live = views.filter((m) => !m.deleted);
    for (const m of live) m.at = listOrder(collection, m.data);
    live.sort(comparing(before));
    return { rows, total: count - counted + live.length, unsent: live, unsentKeys: new Set(byKey.keys()) };
  });
  const more = pager(rows, size, (n, after) => tx(['lists'], 'readonly', (t) => readRows(t, collection, scope, n, after)),
    (row) => orderKey(row, scope), unsent, unsentKeys, before);
  return { total, first: await more(size), more };
}

/**
 * The records of `collection` with unsent work (`ops`: the outbox), each merged with it, read
 * in transaction `t`. `inIndex(row)` says whether a page's index count already holds the
 * record's list row: `counted` of them are, and are shown merged instead.
 * @param {IDBTransaction} t
 * @param {string} collection
 * @param {any[]} ops
 * @param {(row: any) => boolean} inIndex
 */
async function withUnsent(t, collection, ops, inIndex) {
  const byKey = groupByKey(ops.filter((o) => o.collection === collection));
  const recs = t.objectStore('records');
  const lists = t.objectStore('lists');
  let counted = 0;
  const views = await Promise.all([...byKey.entries()].map(async ([key, mine]) => {
    mine.sort((a, b) => a.seq - b.seq);
    const [rec, row] = await Promise.all([promised(recs.get(key)), promised(lists.get(key))]);
    if (inIndex(row)) counted += 1;
    return merged(rec, mine, collection, mine[0].record);
  }));
  return { views, counted, byKey };
}

/**
 * One owner's day of a collection with an agenda (LISTS[c].agenda in summary.js; 今日), read
 * from the `agenda` index of `lists` (lists.js), not from every record: the owner's open
 * records of rank 0 whatever their time and of rank 1 due by `dayEnd` (overdue ones too), the
 * ones done between `dayStart` and `dayEnd`, and every record with unsent work (anyone's,
 * any day: the person must see it), merged in full. Ordered by rank, time, then id. Same
 * shape as `listPage`: `first` and `total` read in one transaction, `more(n)` pages on
 * through the open rows (what a day can hold without bound: overdue visits pile up).
 * @param {string} collection
 * @param {string} owner
 * @param {number} dayStart the day's first millisecond (local time)
 * @param {number} dayEnd the day's last millisecond
 * @param {number} [size]
 * @returns {Promise<{total: number, first: any[], more: (n: number) => Promise<any[]>}>}
 */
export async function agendaPage(collection, owner, dayStart, dayEnd, size = 50) {
  const spotOf = /** @type {(data: any) => import('./summary.js').AgendaSpot} */ (LISTS[collection].agenda);
  /** Display order: rank, then time, then id (the order of the index's open rows). */
  const first = (a, b) => {
    const x = spotOf(a.data);
    const y = spotOf(b.data);
    return x.rank < y.rank || (x.rank === y.rank && (x.time < y.time || (x.time === y.time && a.id < b.id)));
  };
  const ranges = dayRanges(collection, owner, dayStart, dayEnd);
  const { rows, total, extra, unsentKeys } = await tx(['lists', 'outbox', 'records'], 'readonly', async (t) => {
    const [count, rows, done, ops] = await Promise.all([
      countAgenda(t, ranges.open),
      readOpen(t, ranges.open, size),
      readAgenda(t, ranges.done),
      promised(t.objectStore('outbox').getAll()),
    ]);
    const { views, counted, byKey } = await withUnsent(t, collection, ops, (row) => {
      const k = agendaKey(row, owner);
      return Boolean(k && ranges.open.includes(k));
    });
    const extra = [...done.filter((row) => !byKey.has(row.key)).map((row) => new SummaryView(collection, row.id, row)),
      ...views.filter((m) => !m.deleted)];
    extra.sort(comparing(first));
    return { rows, total: count - counted + extra.length, extra, unsentKeys: new Set(byKey.keys()) };
  });
  const more = pager(rows, size,
    (n, after) => tx(['lists'], 'readonly', (t) => readOpen(t, dayRanges(collection, owner, dayStart, dayEnd, after).open, n)),
    (row) => /** @type {any[]} */ (agendaKey(row, owner)), extra, unsentKeys, first);
  return { total, first: await more(size), more };
}

/** List rows (summaries) whose call-back falls due at `since` or later, by deadline. */
export function callbacksDue(collection, since) {
  return tx(['lists'], 'readonly', (t) => readCallbacks(t, collection, since));
}

/**
 * One record, merged; null if unknown or deleted.
 * @param {string} collection
 * @param {string} id
 */
export async function get(collection, id) {
  const key = keyOf(collection, id);
  const [rec, ops] = await tx(['records', 'outbox'], 'readonly', (t) => Promise.all([
    promised(t.objectStore('records').get(key)),
    promised(t.objectStore('outbox').index('key').getAll(key)),
  ]));
  if (!rec && !ops.length) return null;
  ops.sort((a, b) => a.seq - b.seq);
  const m = merged(rec, ops, collection, id);
  return m.deleted ? null : m;
}

/**
 * A conflict was resolved on the server: take it off the record at once and keep it as
 * "resolution pending" until the record's next version arrives (which replaces the row).
 * @param {string} collection
 * @param {string} id
 * @param {string} conflictId
 * @param {'kept'|'current'} choose
 */
export async function markResolved(collection, id, conflictId, choose) {
  const key = keyOf(collection, id);
  await tx(['records', 'packs', 'lists'], 'readwrite', async (t) => {
    const recs = t.objectStore('records');
    const rec = await promised(recs.get(key));
    if (!rec) return;
    const c = (rec.conflicts || []).find((x) => x.id === conflictId);
    if (!c) return;
    rec.conflicts = rec.conflicts.filter((x) => x.id !== conflictId);
    rec.resolving = [...(rec.resolving || []), { ...c, choose, resolvedAt: Date.now() }];
    recs.put(rec);
    const rows = rowWriter(t);
    rows.put(rec);
    const packs = packWriter(t);
    packs.put(rec);
    await packs.flush();
    await rows.flush();
  });
  emit({ type: 'changed' });
}

/**
 * Settle one sync response in one transaction: per-op results (settled ops leave the
 * outbox; rejected ones stay, with their reason), the page of changes, and the cursor.
 * Writing the cursor with its page is what lets a cut first sync resume where it stopped.
 * @param {{results?: any[], changes?: any[], cursor?: string, reset?: boolean}} res
 * @param {any[]} sent the outbox entries this request carried
 */
export async function settle(res, sent) {
  const byId = new Map(sent.map((o) => [o.id, o]));
  await tx(['records', 'outbox', 'meta', 'packs', 'lists'], 'readwrite', async (t) => {
    const recs = t.objectStore('records');
    const out = t.objectStore('outbox');
    if (res.reset) { // scope changed: replace the synced copy, keep the outbox
      recs.clear();
      t.objectStore('packs').clear();
      t.objectStore('lists').clear();
    }
    const packs = packWriter(t);
    const rows = rowWriter(t);
    for (const r of res.results || []) {
      const op = byId.get(r.op);
      if (!op) continue;
      if (r.status === 'rejected') {
        out.put({ ...op, state: 'rejected', error: { code: r.code, message: r.message, details: r.details || {} },
          rejectedAt: Date.now(), rejectedSchema: SCHEMA_VERSION });
        continue;
      }
      out.delete(op.seq);
      // Show the accepted change at once; the record's own page (this one or a later one
      // of the same sync) brings the server's truth. The version stays: we have not seen
      // the others' changes in between.
      const rec = (await promised(recs.get(op.key))) || { key: op.key, collection: op.collection, id: op.record,
        version: 0, deleted: false, data: {}, conflicts: [] };
      for (const [path, value] of Object.entries(op.set || {})) setPath(rec.data, path, value);
      if (op.delete) rec.deleted = true;
      recs.put(rec);
      packs.put(rec);
      rows.put(rec);
    }
    for (const c of res.changes || []) {
      // The server's version of the record: it replaces ours, pending resolutions included.
      const rec = { key: keyOf(c.collection, c.record), collection: c.collection, id: c.record, version: c.version,
        deleted: !!c.deleted, data: c.data || {}, conflicts: c.conflicts || [] };
      recs.put(rec);
      packs.put(rec);
      rows.put(rec);
    }
    await packs.flush();
    await rows.flush();
    if (res.cursor !== undefined) t.objectStore('meta').put({ k: 'cursor', v: res.cursor });
  }, 'strict');
}

/**
 * Forget the synced copy and the cursor (another user logs in), keeping unsent work.
 */
export async function resetSynced() {
  await tx(['records', 'meta', 'packs', 'lists'], 'readwrite', (t) => {
    t.objectStore('records').clear();
    t.objectStore('packs').clear();
    t.objectStore('lists').clear();
    for (const k of ['cursor', 'initialDone', 'lastSync']) t.objectStore('meta').delete(k);
  });
}
