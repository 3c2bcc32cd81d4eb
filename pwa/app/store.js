/**
 * The device's data: synced records, the outbox of pending ops, attachment blobs, and
 * small settings (session, cursor). Every local change is an op written to the outbox in
 * one IndexedDB transaction, so a crash or a closed tab loses nothing; the screen shows
 * the merged view (synced record + pending ops applied in order).
 *
 * Runs in the page and in the service worker (Background Sync): no DOM here.
 *
 * Stores (database `fieldsync`):
 *   records  {key, collection, id, version, deleted, data, conflicts}   key = "collection/id"
 *   outbox   {seq, key, id, collection, record, base, at, set, delete, state, error}
 *   blobs    {sha, type, size, data: ArrayBuffer, at}
 *   uploads  {sha, size, received, done, error}
 *   meta     {k, v}   session, cursor, lastSync, initialDone, schemas, notice
 *   packs    {k, rows: {id: {version, deleted, data, conflicts}}}   k = "collection#bucket"
 *
 * `packs` repeats the synced records, a collection in PACK_BUCKETS values instead of one
 * value per record: reading 10,000 records as 10,000 IndexedDB values costs ~100-300 ms
 * (per-value overhead), as 16 values ~15-30 ms. Lists read packs; one record reads
 * `records`. Both are written in the same transaction (settle), so they never disagree.
 */

import { open, promised, transact } from './idb.js';
import { emit } from './bus.js';
import { SCHEMA_VERSION } from './config.js';

const DB_NAME = 'fieldsync';
/**
 * Bump only with an upgrade step below. Upgrades only ever add stores or indexes: the
 * outbox and blobs hold unsent work and must survive every new app version untouched.
 */
const DB_VERSION = 2;
const STORES = ['records', 'outbox', 'blobs', 'uploads', 'meta', 'packs'];
const PACK_BUCKETS = 16;

/** @type {Promise<IDBDatabase> | null} */
let dbp = null;

function upgrade(/** @type {IDBDatabase} */ db, oldVersion, /** @type {IDBTransaction} */ t) {
  const has = (name) => db.objectStoreNames.contains(name);
  if (!has('records')) db.createObjectStore('records', { keyPath: 'key' }).createIndex('collection', 'collection');
  if (!has('outbox')) db.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true }).createIndex('key', 'key');
  if (!has('blobs')) db.createObjectStore('blobs', { keyPath: 'sha' });
  if (!has('uploads')) db.createObjectStore('uploads', { keyPath: 'sha' });
  if (!has('meta')) db.createObjectStore('meta', { keyPath: 'k' });
  if (!has('packs')) {
    db.createObjectStore('packs', { keyPath: 'k' });
    // Version 1 devices: pack the records they already hold (in this upgrade transaction).
    if (oldVersion >= 1) packAll(t);
  }
}

/** Which pack a record lives in (FNV-1a of its id). */
function bucketOf(id) {
  let x = 0x811c9dc5;
  for (let i = 0; i < id.length; i += 1) x = Math.imul(x ^ id.charCodeAt(i), 0x01000193);
  return (x >>> 0) % PACK_BUCKETS;
}

const packKey = (collection, id) => `${collection}#${String(bucketOf(id)).padStart(2, '0')}`;
const packRange = (collection) => IDBKeyRange.bound(`${collection}#`, `${collection}#~`);
const packed = (rec) => ({ version: rec.version, deleted: !!rec.deleted, data: rec.data || {}, conflicts: rec.conflicts || [] });

/** Rebuild every pack from `records` inside transaction `t` (which covers both stores). */
function packAll(t) {
  /** @type {Map<string, any>} */
  const packs = new Map();
  const cursor = t.objectStore('records').openCursor();
  cursor.onsuccess = () => {
    const c = cursor.result;
    if (c) {
      const rec = c.value;
      const k = packKey(rec.collection, rec.id);
      if (!packs.has(k)) packs.set(k, { k, rows: {} });
      packs.get(k).rows[rec.id] = packed(rec);
      c.continue();
      return;
    }
    const store = t.objectStore('packs');
    for (const p of packs.values()) store.put(p);
  };
}

/**
 * Pack writes of one transaction: each touched pack is read once and written once, at
 * `flush()`, with its rows applied in the order they were put.
 * @param {IDBTransaction} t covering 'packs'
 */
function packWriter(t) {
  const store = t.objectStore('packs');
  /** @type {Map<string, {read: Promise<any>, rows: [string, any][]}>} */
  const touched = new Map();
  return {
    /** Set one record's row. */
    put(rec) {
      const k = packKey(rec.collection, rec.id);
      let entry = touched.get(k);
      if (!entry) {
        entry = { read: promised(store.get(k)), rows: [] };
        touched.set(k, entry);
      }
      entry.rows.push([rec.id, packed(rec)]);
    },
    /** Write the touched packs (await it inside the transaction). */
    async flush() {
      for (const [k, entry] of touched) {
        const pack = (await entry.read) || { k, rows: {} };
        for (const [id, row] of entry.rows) pack.rows[id] = row;
        store.put(pack);
      }
    },
  };
}

/**
 * The open database (opened once per context).
 * @returns {Promise<IDBDatabase>}
 */
export function db() {
  if (!dbp) {
    dbp = open(DB_NAME, DB_VERSION, upgrade).then((d) => {
      // A newer app version in another tab wants to upgrade: step aside, it keeps the data.
      d.onversionchange = () => { d.close(); dbp = null; emit({ type: 'reload' }); };
      return d;
    }, (err) => { dbp = null; throw err; });
  }
  return dbp;
}

/**
 * Run `fn` in a transaction over `stores` (see idb.transact).
 * @template T
 * @param {string[]} stores
 * @param {IDBTransactionMode} mode
 * @param {(tx: IDBTransaction) => T | Promise<T>} fn
 * @param {'strict'|'relaxed'} [durability]
 * @returns {Promise<T>}
 */
export async function tx(stores, mode, fn, durability) {
  return transact(await db(), stores, mode, fn, durability);
}

// -- paths and the merged view -------------------------------------------------------

/** The key of a record in `records` and `outbox`. */
export const keyOf = (collection, id) => `${collection}/${id}`;

/**
 * Read a dotted path.
 * @param {any} obj
 * @param {string} path
 */
export function getPath(obj, path) {
  let o = obj;
  for (const part of path.split('.')) {
    if (o == null || typeof o !== 'object') return undefined;
    o = o[part];
  }
  return o;
}

/**
 * Write a dotted path, creating objects on the way (the server merges leaf paths the same way).
 * @param {any} obj
 * @param {string} path
 * @param {any} value
 */
export function setPath(obj, path, value) {
  const parts = path.split('.');
  let o = obj;
  for (const part of parts.slice(0, -1)) {
    if (o[part] == null || typeof o[part] !== 'object' || Array.isArray(o[part])) o[part] = {};
    o = o[part];
  }
  o[parts[parts.length - 1]] = value;
}

/**
 * Nested objects to dotted leaf paths; arrays are leaves, undefined is skipped.
 * @param {Record<string, any>} obj
 * @param {string} [prefix]
 * @returns {Record<string, any>}
 */
export function flatten(obj, prefix = '') {
  /** @type {Record<string, any>} */
  const out = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length) Object.assign(out, flatten(v, `${prefix}${k}.`));
    else out[`${prefix}${k}`] = v;
  }
  return out;
}

/** A deep copy (structuredClone is missing on iOS before 15.4). */
const clone = (x) => (typeof structuredClone === 'function' ? structuredClone(x) : JSON.parse(JSON.stringify(x)));

/**
 * A record as people see it: the synced copy with unsent ops applied in order.
 * @param {any} rec the synced record, or undefined for one made here
 * @param {any[]} ops this record's outbox entries, oldest first
 * @param {string} [collection]
 * @param {string} [id]
 */
export function merged(rec, ops = [], collection, id) {
  const data = rec ? clone(rec.data || {}) : {};
  let deleted = rec ? !!rec.deleted : false;
  for (const op of ops) {
    for (const [path, value] of Object.entries(op.set || {})) setPath(data, path, value);
    if (op.delete) deleted = true;
  }
  return {
    key: rec ? rec.key : keyOf(collection || ops[0].collection, id || ops[0].record),
    collection: rec ? rec.collection : ops[0].collection,
    id: rec ? rec.id : ops[0].record,
    version: rec ? rec.version : 0,
    deleted,
    data,
    synced: rec ? rec.data : null,
    conflicts: (rec && rec.conflicts) || [],
    pending: ops.filter((o) => o.state === 'pending').length,
    rejected: ops.filter((o) => o.state === 'rejected'),
    ops,
  };
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

/** The merged view of a record without pending ops, without copying its data. */
function fastView(rec) {
  return { key: rec.key, collection: rec.collection, id: rec.id, version: rec.version, deleted: !!rec.deleted,
    data: rec.data || {}, synced: rec.data, conflicts: rec.conflicts || [], pending: 0, rejected: [], ops: [] };
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

// -- local changes -----------------------------------------------------------------------

/** A random UUID (crypto.randomUUID is missing on older iPhones). */
export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Record a change: one op in the outbox, written (with any new blobs) in one durable
 * transaction. `base` is read inside that transaction, so it is the version this edit saw.
 * @param {string} collection
 * @param {string} id record id (crypto.randomUUID() for a new one)
 * @param {Record<string, any>} set dotted paths to values
 * @param {{delete?: boolean, blobs?: {sha: string, type: string, data: ArrayBuffer}[]}} [opts]
 * @returns {Promise<any>} the op
 */
export async function edit(collection, id, set, opts = {}) {
  const key = keyOf(collection, id);
  const op = { id: uuid(), collection, record: id, base: 0, at: Date.now(), set, delete: !!opts.delete,
    key, state: 'pending', error: null };
  await tx(['records', 'outbox', 'blobs', 'uploads'], 'readwrite', async (t) => {
    for (const b of opts.blobs || []) putBlobIn(t, b);
    const rec = await promised(t.objectStore('records').get(key));
    op.base = rec ? rec.version : 0;
    t.objectStore('outbox').add(op);
  }, 'strict');
  emit({ type: 'changed', local: true });
  return op;
}

function putBlobIn(t, { sha, type, data }) {
  t.objectStore('blobs').put({ sha, type, size: data.byteLength, data, at: Date.now() });
  const uploads = t.objectStore('uploads');
  promised(uploads.get(sha)).then((u) => {
    if (!u) uploads.put({ sha, size: data.byteLength, received: 0, done: false, error: null });
  });
}

/**
 * SHA-256 of bytes as lowercase hex (how records and the server name attachments).
 * @param {ArrayBuffer} data
 */
export async function sha256(data) {
  const digest = await crypto.subtle.digest('SHA-256', data);
  return [...new Uint8Array(digest)].map((x) => x.toString(16).padStart(2, '0')).join('');
}

/**
 * Keep a photo or signature on the device, keyed by its SHA-256; returns the hash.
 * Stored as an ArrayBuffer: older Safari cannot keep Blobs in IndexedDB.
 * @param {ArrayBuffer} data
 * @param {string} type MIME type
 */
export async function putBlob(data, type) {
  const sha = await sha256(data);
  await tx(['blobs', 'uploads'], 'readwrite', (t) => putBlobIn(t, { sha, type, data }), 'strict');
  emit({ type: 'changed', local: true });
  return sha;
}

/**
 * A stored attachment, or undefined.
 * @param {string} sha
 */
export async function getBlob(sha) {
  return tx(['blobs'], 'readonly', (t) => promised(t.objectStore('blobs').get(sha)));
}

/** Attachments not yet fully on the server. */
export async function pendingUploads() {
  const all = await tx(['uploads'], 'readonly', (t) => promised(t.objectStore('uploads').getAll()));
  return all.filter((u) => !u.done);
}

/**
 * Record upload progress of one attachment.
 * @param {string} sha
 * @param {{received?: number, done?: boolean, error?: any}} patch
 */
export async function setUpload(sha, patch) {
  await tx(['uploads'], 'readwrite', async (t) => {
    const s = t.objectStore('uploads');
    const u = await promised(s.get(sha));
    if (u) s.put({ ...u, ...patch });
  });
}

/** Every outbox entry, oldest first. */
export async function outbox() {
  return tx(['outbox'], 'readonly', (t) => promised(t.objectStore('outbox').getAll()));
}

/**
 * Replace a rejected op by its fixed version, in place (same position, so later ops on
 * the record still follow it), with a new op id (the old one stays in the server's
 * quarantine as it was) and a new edit time.
 * @param {number} seq
 * @param {Record<string, any>} set
 */
export async function fixOp(seq, set) {
  await tx(['outbox'], 'readwrite', async (t) => {
    const s = t.objectStore('outbox');
    const op = await promised(s.get(seq));
    if (!op) throw new Error('这项更改已不存在');
    s.put({ ...op, id: uuid(), at: Date.now(), set, state: 'pending', error: null, fixedFrom: op.id });
  }, 'strict');
  emit({ type: 'changed', local: true });
}

/**
 * Ops refused as `stale_schema` (made or sent by an older app version) go out again once
 * this version, with a newer schema, runs: as new ops (the old ids stay quarantined).
 * @returns {Promise<number>} how many were queued again
 */
export async function requeueStale() {
  const stale = (op) => op.state === 'rejected' && op.error && op.error.code === 'stale_schema'
    && (op.rejectedSchema || 0) < SCHEMA_VERSION;
  // Called at every start: look first, so the usual case costs no durable write.
  const found = (await outbox()).filter(stale);
  if (!found.length) return 0;
  let n = 0;
  await tx(['outbox'], 'readwrite', async (t) => {
    const s = t.objectStore('outbox');
    for (const { seq } of found) {
      const op = await promised(s.get(seq)); // as it is now: another tab may have moved it on
      if (!op || !stale(op)) continue;
      s.put({ ...op, id: uuid(), state: 'pending', error: null, fixedFrom: op.id });
      n += 1;
    }
  }, 'strict');
  if (n) emit({ type: 'changed', local: true });
  return n;
}

/**
 * Drop an op: only ever on a person's explicit choice (a rejected change they give up).
 * @param {number} seq
 */
export async function discardOp(seq) {
  await tx(['outbox'], 'readwrite', (t) => { t.objectStore('outbox').delete(seq); }, 'strict');
  emit({ type: 'changed', local: true });
}

/**
 * Counts for the status area: unsent changes (pending + rejected ops), rejected ops, photos
 * not yet uploaded.
 */
export async function counts() {
  const [ops, uploads] = await tx(['outbox', 'uploads'], 'readonly', (t) => Promise.all([
    promised(t.objectStore('outbox').getAll()),
    promised(t.objectStore('uploads').getAll()),
  ]));
  return {
    unsent: ops.length,
    rejected: ops.filter((o) => o.state === 'rejected').length,
    photos: uploads.filter((u) => !u.done).length,
  };
}

// -- what a sync brings back ---------------------------------------------------------------

/**
 * Settle one sync response in one transaction: per-op results (settled ops leave the
 * outbox; rejected ones stay, with their reason), the page of changes, and the cursor.
 * Writing the cursor with its page is what lets a cut first sync resume where it stopped.
 * @param {{results?: any[], changes?: any[], cursor?: string, reset?: boolean}} res
 * @param {any[]} sent the outbox entries this request carried
 */
export async function settle(res, sent) {
  const byId = new Map(sent.map((o) => [o.id, o]));
  await tx(['records', 'outbox', 'meta', 'packs'], 'readwrite', async (t) => {
    const recs = t.objectStore('records');
    const out = t.objectStore('outbox');
    if (res.reset) { // scope changed: replace the synced copy, keep the outbox
      recs.clear();
      t.objectStore('packs').clear();
    }
    const packs = packWriter(t);
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
    }
    for (const c of res.changes || []) {
      const rec = { key: keyOf(c.collection, c.record), collection: c.collection, id: c.record, version: c.version,
        deleted: !!c.deleted, data: c.data || {}, conflicts: c.conflicts || [] };
      recs.put(rec);
      packs.put(rec);
    }
    await packs.flush();
    if (res.cursor !== undefined) t.objectStore('meta').put({ k: 'cursor', v: res.cursor });
  }, 'strict');
}

// -- settings ---------------------------------------------------------------------------------

/**
 * A setting from `meta`.
 * @param {string} k
 */
export async function getMeta(k) {
  const row = await tx(['meta'], 'readonly', (t) => promised(t.objectStore('meta').get(k)));
  return row ? row.v : undefined;
}

/**
 * Store a setting in `meta` (undefined deletes it).
 * @param {string} k
 * @param {any} v
 */
export async function setMeta(k, v) {
  await tx(['meta'], 'readwrite', (t) => {
    if (v === undefined) t.objectStore('meta').delete(k);
    else t.objectStore('meta').put({ k, v });
  });
}

/**
 * Erase everything on this device (revocation, or logout with nothing unsent).
 * @param {{keepNotice?: string}} [opts] a message to show on the login screen afterwards
 */
export async function wipe(opts = {}) {
  await tx(STORES, 'readwrite', (t) => {
    for (const name of STORES) t.objectStore(name).clear();
    if (opts.keepNotice) t.objectStore('meta').put({ k: 'notice', v: opts.keepNotice });
  }, 'strict');
  emit({ type: 'changed' });
}

/**
 * Forget the synced copy and the cursor (another user logs in), keeping unsent work.
 */
export async function resetSynced() {
  await tx(['records', 'meta', 'packs'], 'readwrite', (t) => {
    t.objectStore('records').clear();
    t.objectStore('packs').clear();
    for (const k of ['cursor', 'initialDone', 'lastSync']) t.objectStore('meta').delete(k);
  });
}
