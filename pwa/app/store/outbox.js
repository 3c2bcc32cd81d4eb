/**
 * Local changes: every change is an op in the outbox, written (with any new blobs) in one
 * durable IndexedDB transaction, so a crash or a closed tab loses nothing. Ops leave the
 * outbox only when the server settled them (records.js `settle`) or a person gave one up.
 */

import { promised } from '../idb.js';
import { emit } from '../bus.js';
import { SCHEMA_VERSION } from '../config.js';
import { tx } from './db.js';
import { putBlobIn } from './blobs.js';
import { keyOf, uuid } from './paths.js';

/**
 * Record a change: one op in the outbox, written (with any new blobs) in one durable
 * transaction. `base` is read inside that transaction, so it is the version this edit saw.
 * @param {string} collection
 * @param {string} id record id (uuid() for a new one)
 * @param {Record<string, any>} set dotted paths to values
 * @param {{delete?: boolean, base?: number, blobs?: {sha: string, type: string, data: ArrayBuffer}[]}} [opts]
 *   `base`: the version this edit saw when the record is not on the device (a supervisor's
 *   edit made from a server list); the newer of it and the device's copy is sent
 * @returns {Promise<any>} the op
 */
export async function edit(collection, id, set, opts = {}) {
  const key = keyOf(collection, id);
  const op = { id: uuid(), collection, record: id, base: 0, at: Date.now(), set, delete: !!opts.delete,
    key, state: 'pending', error: null };
  await tx(['records', 'outbox', 'blobs', 'uploads'], 'readwrite', async (t) => {
    for (const b of opts.blobs || []) putBlobIn(t, b);
    const rec = await promised(t.objectStore('records').get(key));
    op.base = Math.max(rec ? rec.version : 0, opts.base || 0);
    t.objectStore('outbox').add(op);
  }, 'strict');
  emit({ type: 'changed', local: true });
  return op;
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
