/**
 * The device's database (`fieldsync`): opening, upgrades, transactions, and erasing it.
 * Runs in the page and in the service worker (Background Sync): no DOM here.
 *
 * Stores:
 *   records  {key, collection, id, version, deleted, data, conflicts, resolving}   key = "collection/id"
 *   outbox   {seq, key, id, collection, record, base, at, set, delete, state, error}
 *   blobs    {sha, type, size, data: ArrayBuffer, at}
 *   uploads  {sha, size, received, done, error}
 *   meta     {k, v}   session, cursor, lastSync, initialDone, schemas, notice
 *   packs    see packs.js (full and summary packs)
 *   lists    see lists.js (list rows, paged from the index `order`)
 *
 * Versions: 1 the first five stores; 2 adds packs; 3 adds summary packs (in `packs`);
 * 4 adds `lists`; 5 adds the `agenda` index of `lists` (今日 reads one person's day); 6 adds
 * call-back deadlines to `agenda`.
 */

import { open, transact } from '../idb.js';
import { emit } from '../bus.js';
import { packAll } from './packs.js';
import { rowsAll } from './lists.js';

const DB_NAME = 'fieldsync';
/**
 * Bump only with an upgrade step below. Upgrades only ever add stores or indexes: the
 * outbox and blobs hold unsent work and must survive every new app version untouched.
 */
const DB_VERSION = 6;
const STORES = ['records', 'outbox', 'blobs', 'uploads', 'meta', 'packs', 'lists'];

/** @type {Promise<IDBDatabase> | null} */
let dbp = null;

function upgrade(/** @type {IDBDatabase} */ db, oldVersion, /** @type {IDBTransaction} */ t) {
  const has = (name) => db.objectStoreNames.contains(name);
  if (!has('records')) db.createObjectStore('records', { keyPath: 'key' }).createIndex('collection', 'collection');
  if (!has('outbox')) db.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true }).createIndex('key', 'key');
  if (!has('blobs')) db.createObjectStore('blobs', { keyPath: 'sha' });
  if (!has('uploads')) db.createObjectStore('uploads', { keyPath: 'sha' });
  if (!has('meta')) db.createObjectStore('meta', { keyPath: 'k' });
  if (!has('packs')) db.createObjectStore('packs', { keyPath: 'k' });
  if (!has('lists')) db.createObjectStore('lists', { keyPath: 'key' }).createIndex('order', 'order', { multiEntry: true });
  const lists = t.objectStore('lists');
  if (!lists.indexNames.contains('agenda')) lists.createIndex('agenda', 'agenda', { multiEntry: true });
  // Version 1 devices have no packs, version 2 no summary packs, version 3 no list rows,
  // version 4 rows without their day (`agenda`), 5 without call-backs: build them from the
  // records they already hold, in this upgrade transaction.
  if (oldVersion >= 1 && oldVersion < 3) packAll(t);
  if (oldVersion >= 1 && oldVersion < 6) rowsAll(t);
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
