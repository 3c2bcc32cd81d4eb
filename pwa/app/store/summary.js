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
 * Where a record stands on its owners' day (今日, `agendaPage` in records.js): `open` records
 * (still to do) of rank 0 are shown whatever their `time`, of rank 1 from `time` on, staying
 * while they are overdue; the others only on the local day of `day`. On the screen they are
 * ordered by `rank` (0 or 1), then `time`, then id.
 * @typedef {{open: boolean, rank: 0|1, time: number, day: number}} AgendaSpot
 */

/** A finite number, else 0 (a time field holding something else sorts as "no time"). */
const num = (v) => (Number.isFinite(Number(v)) ? Number(v) : 0);

/**
 * A visit on 今日: one in progress first (whatever its date), then by planned time the planned
 * ones due by the end of the day (a visit with no time is due) and those ended that day.
 * @param {any} d visit data (a summary is enough: status, planned_at, ended_at)
 * @returns {AgendaSpot}
 */
function visitAgenda(d) {
  const status = d.status || 'planned';
  const time = num(d.planned_at);
  if (status === 'in_progress') return { open: true, rank: 0, time, day: 0 };
  if (status === 'planned') return { open: true, rank: 1, time, day: 0 };
  return { open: false, rank: 1, time, day: num(d.ended_at) };
}

/**
 * Lists paged from an index (lists.js): the time a list orders its rows by (newest first)
 * and who a row belongs to (the "mine" scope), per collection; optionally where a record
 * stands on its owners' day (`agenda`, indexed too). The visit list's order: planned time,
 * else started time.
 * @type {Record<string, {time: (data: any) => any, owners: (data: any) => any, agenda?: (data: any) => AgendaSpot}>}
 */
export const LISTS = {
  visits: { time: (d) => d.planned_at || d.started_at || 0, owners: (d) => d.staff_ids, agenda: visitAgenda },
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
