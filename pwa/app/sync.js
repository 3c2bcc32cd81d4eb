/**
 * One sync: upload waiting attachments, then push the outbox and pull changes page by
 * page (one request does both), until nothing is left to send and no page waits.
 *
 * Runs in the page (scheduler.js) and in the service worker (Background Sync); a Web Lock
 * makes sure only one runs at a time across tabs and the worker.
 */

import { APP_VERSION, PAGE_LIMIT, PUSH_BATCH, SCHEMA_VERSION } from './config.js';
import { call } from './api.js';
import { AuthFailed, HttpFailed, NetworkError, errorCode } from './errors.js';
import { uploadPending } from './attachments.js';
import { refreshColleagues } from './colleagues.js';
import { refreshCalendar } from './calendar.js';
import * as store from './store.js';
import { emit } from './bus.js';
import { revokedNotice } from './labels.js';

export { AuthFailed, HttpFailed, NetworkError };

const SHA = /^[0-9a-f]{64}$/;

/**
 * Attachment hashes an op refers to (photos: [sha], signature: sha, nested or not).
 * @param {any} op
 * @returns {string[]}
 */
export function shasOf(op) {
  const out = [];
  for (const v of Object.values(op.set || {})) {
    if (typeof v === 'string' && SHA.test(v)) out.push(v);
    else if (Array.isArray(v)) for (const x of v) if (typeof x === 'string' && SHA.test(x)) out.push(x);
  }
  return out;
}

/**
 * The ops that may go now, oldest first: pending, all their attachments uploaded, and no
 * earlier op of the same record held back (per-record order is kept).
 * @param {any[]} ops the outbox, oldest first
 * @param {Set<string>} notUploaded hashes still on their way
 */
export function sendable(ops, notUploaded) {
  const held = new Set();
  const out = [];
  for (const op of ops) {
    if (held.has(op.key)) continue;
    if (op.state !== 'pending' || shasOf(op).some((s) => notUploaded.has(s))) {
      held.add(op.key);
      continue;
    }
    out.push(op);
  }
  return out;
}

/** The op as the server expects it (local bookkeeping stripped). */
const wire = (op) => ({ id: op.id, collection: op.collection, record: op.record, base: op.base, at: op.at,
  set: op.set, delete: op.delete });

async function storageBytes() {
  try {
    return navigator.storage && navigator.storage.estimate ? (await navigator.storage.estimate()).usage || 0 : 0;
  } catch {
    return 0;
  }
}

/** Run `fn` holding the app-wide sync lock (falls back to a per-context promise chain). */
let chain = Promise.resolve();
function exclusive(fn) {
  if (typeof navigator !== 'undefined' && navigator.locks) return navigator.locks.request('fieldsync-sync', fn);
  const run = chain.then(fn, fn);
  chain = run.catch(() => {});
  return run;
}

/**
 * Fetch the collection schemas (enum values, labels, rating points) and keep them offline.
 * @param {string} token
 */
export async function fetchSchemas(token) {
  const r = await call('/schemas', { token });
  if (r.ok && r.body) await store.setMeta('schemas', r.body);
  return r.ok;
}

/**
 * Sync now. Resolves with a summary; rejects with NetworkError/HttpFailed (retry later) or
 * AuthFailed (log in again). A revoked device settles what it can send, then wipes.
 * @returns {Promise<{skipped?: string, pushed?: number, received?: number, revoked?: boolean}>}
 */
export function syncNow() {
  return exclusive(async () => {
    const session = await store.getMeta('session');
    if (!session || !session.token) return { skipped: 'no_session' };
    emit({ type: 'sync', state: 'running' });
    try {
      const summary = await run(session.token);
      emit({ type: 'sync', state: summary.revoked ? 'revoked' : 'ok', summary });
      return summary;
    } catch (err) {
      if (err instanceof AuthFailed) {
        await store.setMeta('session', { ...session, token: null, expired: err.message });
        emit({ type: 'auth', code: err.message });
      }
      emit({ type: 'sync', state: 'error', error: err.message, name: err.name });
      throw err;
    }
  });
}

async function run(token) {
  if (!(await store.getMeta('schemas'))) await fetchSchemas(token).catch(() => false);
  try {
    await uploadPending(token);
  } catch (err) {
    // A revoked device cannot upload; its ops must still go (below). Anything else stops here.
    if (!(err instanceof AuthFailed && err.message === 'device_revoked')) throw err;
  }
  const notUploaded = new Set((await store.pendingUploads()).map((u) => u.sha));
  const tried = new Set();
  let pushed = 0;
  let received = 0;
  for (;;) {
    const outbox = await store.outbox();
    const ops = sendable(outbox, notUploaded).filter((o) => !tried.has(o.id)).slice(0, PUSH_BATCH);
    for (const o of ops) tried.add(o.id);
    const r = await post(token, ops, outbox.length);
    if (r.status === 401) return revokedOrExpired(token, r.body, ops, tried);
    if (!r.ok) throw new HttpFailed(r.status, r.body);
    await store.settle(r.body, ops);
    pushed += ops.length;
    received += (r.body.changes || []).length;
    if (!r.body.more) await store.setMeta('initialDone', true);
    emit({ type: 'changed', received });
    const left = sendable(await store.outbox(), notUploaded).some((o) => !tried.has(o.id));
    if (!r.body.more && !left) break;
  }
  await store.setMeta('lastSync', Date.now());
  // The centre's people for pickers (hourly at most); a failure never fails the sync.
  await refreshColleagues(token).catch(() => false);
  await refreshCalendar(token).catch(() => false); // daily: deadlines in a year without holidays
  return { pushed, received };
}

async function post(token, ops, pending) {
  const body = {
    cursor: (await store.getMeta('cursor')) || null,
    clock: Date.now(),
    schema_version: SCHEMA_VERSION,
    status: { pending, storage_bytes: await storageBytes(), app_version: APP_VERSION },
    ops: ops.map(wire),
    limit: PAGE_LIMIT,
  };
  return call('/sync', { method: 'POST', token, json: body, compress: true });
}

/**
 * A 401. `device_revoked` + `wipe`: the server took this push (its `results`); send every
 * other unsent op the same way (attachments cannot go any more), then erase the device.
 * Anything else (expired, unknown token): keep all data and ask to log in again.
 */
async function revokedOrExpired(token, body, ops, tried) {
  if (errorCode(body) !== 'device_revoked' || !body.wipe) throw new AuthFailed(body);
  for (let batch = ops, answer = body; ;) {
    if (!answer.results) break; // the server did not take this push: nothing more can be sent
    await store.settle({ results: answer.results }, batch);
    batch = (await store.outbox()).filter((o) => o.state === 'pending' && !tried.has(o.id)).slice(0, PUSH_BATCH);
    if (!batch.length) break;
    for (const o of batch) tried.add(o.id);
    const r = await post(token, batch, batch.length);
    if (r.status !== 401) throw new HttpFailed(r.status, r.body);
    answer = r.body;
  }
  const left = (await store.outbox()).filter((o) => o.state === 'pending').length;
  await store.wipe({ keepNotice: revokedNotice(left) });
  emit({ type: 'wiped', reason: 'revoked' });
  return { revoked: true };
}
