/**
 * Per-record summaries for list rows: the few fields a list shows and filters on, kept in
 * the packs beside the full records (packs.js), so a list of 10,000 records reads and
 * decodes ~10x less than the records themselves. A collection without an entry here is
 * listed from its full records.
 *
 * Adding a list screen: name the paths its rows, filters and sort read (dotted paths;
 * strings are cut to TEXT_MAX characters: two lines of a 360 px row), then list with
 * `listSummaries(collection)`. Search over long text still reads full records (`list`).
 */

import { define, getPath, setPath } from './paths.js';

/** @type {Record<string, string[]>} */
export const SUMMARY_PATHS = {
  visits: ['kind', 'status', 'applicant.name', 'address', 'planned_at', 'started_at', 'ended_at', 'notes',
    'staff_ids', 'case_id'],
};

/** Longest string kept in a summary (the rest of a long note is only on the record). */
export const TEXT_MAX = 40;

/**
 * The summary of a record's data, or null when its collection keeps none.
 * @param {string} collection
 * @param {any} data
 */
export function summarize(collection, data) {
  const paths = SUMMARY_PATHS[collection];
  if (!paths) return null;
  /** @type {Record<string, any>} */
  const out = {};
  for (const path of paths) {
    let v = getPath(data || {}, path);
    if (v === undefined) continue;
    if (typeof v === 'string' && v.length > TEXT_MAX) v = `${v.slice(0, TEXT_MAX)}…`;
    if (path.includes('.')) setPath(out, path, v);
    else define(out, path, v);
  }
  return out;
}

/**
 * Lists paged from an index (lists.js): the time a list orders its rows by (newest first)
 * and who a row belongs to (the "mine" scope), per collection. The visit list's order:
 * planned time, else started time.
 * @type {Record<string, {time: (data: any) => any, owners: (data: any) => any}>}
 */
export const LISTS = {
  visits: { time: (d) => d.planned_at || d.started_at || 0, owners: (d) => d.staff_ids },
};

/** The scope of everyone's rows in a list (a number: never equal to an owner id). */
export const ALL = 0;

/**
 * A record's sort value in its list: minus its time, so ascending index order is newest first.
 * @param {string} collection
 * @param {any} data
 */
export function listOrder(collection, data) {
  const t = Number(LISTS[collection].time(data || {}));
  return Number.isFinite(t) ? 0 - t : 0;
}
