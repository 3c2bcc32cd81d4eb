/**
 * Packs: the synced records of a collection kept again in PACK_BUCKETS values instead of one
 * value per record. Reading 10,000 records as 10,000 IndexedDB values costs ~100-300 ms
 * (per-value overhead), as 16 values ~15-30 ms. Lists read packs; one record reads
 * `records`. Both are written in the same transaction, so they never disagree.
 *
 *   packs {k, rows: {id: {version, deleted, data, conflicts, resolving}}}   k = "collection#bucket"
 *
 * Collections with list summaries (summary.js) also get summary packs, same buckets, whose
 * rows hold the summary as `data`:                                       k = "collection@bucket"
 */

import { promised } from '../idb.js';
import { summarize } from './summary.js';

const PACK_BUCKETS = 16;

/** Which pack a record lives in (FNV-1a of its id). */
function bucketOf(id) {
  let x = 0x811c9dc5;
  for (let i = 0; i < id.length; i += 1) x = Math.imul(x ^ id.charCodeAt(i), 0x01000193);
  return (x >>> 0) % PACK_BUCKETS;
}

const packKey = (collection, id) => `${collection}#${String(bucketOf(id)).padStart(2, '0')}`;
const sumKey = (collection, id) => `${collection}@${String(bucketOf(id)).padStart(2, '0')}`;

/** The key range of one collection's packs. */
export const packRange = (collection) => IDBKeyRange.bound(`${collection}#`, `${collection}#~`);
/** The key range of one collection's summary packs. */
export const summaryRange = (collection) => IDBKeyRange.bound(`${collection}@`, `${collection}@~`);

/** A record's row in its summary pack, or null when its collection keeps no summaries. */
function summaryRow(rec) {
  const data = summarize(rec.collection, rec.data);
  return data && { version: rec.version, deleted: !!rec.deleted, data, conflicts: rec.conflicts || [],
    resolving: rec.resolving || [] };
}

/** Each [key, row] a record has in the packs (full, and summary if any). */
function rowsOf(rec) {
  const out = [[packKey(rec.collection, rec.id), packed(rec)]];
  const sum = summaryRow(rec);
  if (sum) out.push([sumKey(rec.collection, rec.id), sum]);
  return out;
}

/** A record's row in its pack. */
export const packed = (rec) => ({ version: rec.version, deleted: !!rec.deleted, data: rec.data || {},
  conflicts: rec.conflicts || [], resolving: rec.resolving || [] });

/**
 * Rebuild every pack (and summary pack) from `records` inside transaction `t` (which covers
 * both stores).
 * @param {IDBTransaction} t
 */
export function packAll(t) {
  /** @type {Map<string, any>} */
  const packs = new Map();
  const cursor = t.objectStore('records').openCursor();
  cursor.onsuccess = () => {
    const c = cursor.result;
    if (c) {
      const rec = c.value;
      for (const [k, row] of rowsOf(rec)) {
        if (!packs.has(k)) packs.set(k, { k, rows: {} });
        Object.defineProperty(packs.get(k).rows, rec.id, { value: row, writable: true, enumerable: true, configurable: true });
      }
      c.continue();
      return;
    }
    const store = t.objectStore('packs');
    store.clear();
    for (const p of packs.values()) store.put(p);
  };
}

/**
 * Pack writes of one transaction: each touched pack is read once and written once, at
 * `flush()`, with its rows applied in the order they were put.
 * @param {IDBTransaction} t covering 'packs'
 */
export function packWriter(t) {
  const store = t.objectStore('packs');
  /** @type {Map<string, {read: Promise<any>, rows: [string, any][]}>} */
  const touched = new Map();
  return {
    /** Set one record's row. */
    put(rec) {
      for (const [k, row] of rowsOf(rec)) {
        let entry = touched.get(k);
        if (!entry) {
          entry = { read: promised(store.get(k)), rows: [] };
          touched.set(k, entry);
        }
        entry.rows.push([rec.id, row]);
      }
    },
    /** Write the touched packs (await it inside the transaction). */
    async flush() {
      for (const [k, entry] of touched) {
        const pack = (await entry.read) || { k, rows: {} };
        // Record ids are keys here: define them, so an id like "__proto__" stays data.
        for (const [id, row] of entry.rows) Object.defineProperty(pack.rows, id, { value: row, writable: true, enumerable: true, configurable: true });
        store.put(pack);
      }
    },
  };
}
