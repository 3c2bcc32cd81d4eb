/** Small settings of the device in `meta`: session, cursor, lastSync, initialDone, schemas, notice. */

import { promised } from '../idb.js';
import { tx } from './db.js';

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
