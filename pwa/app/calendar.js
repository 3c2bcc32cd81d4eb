/**
 * Which years' official holiday schedules the server lacks (`GET /api/v1/calendar`
 * `unknown_years`): a deadline falling in such a year is counted Monday to Friday and may move
 * when the State Council's schedule is loaded (`fieldsync holidays`), so the phone says so
 * beside it. Refreshed after a sync when older than a day, kept in `meta` for offline use.
 */

import { call } from './api.js';
import { getMeta, setMeta } from './store.js';

const MAX_AGE_MS = 24 * 3600 * 1000;
const CST_MS = 8 * 3600 * 1000;

/**
 * Fetch the server's calendar facts when missing or stale. Failures keep the old ones.
 * @param {string} token
 */
export async function refreshCalendar(token) {
  const kept = await getMeta('calendar');
  if (kept && Date.now() - kept.at < MAX_AGE_MS) return false;
  const r = await call('/calendar', { token, timeout: 20000 });
  if (!r.ok || !r.body || !Array.isArray(r.body.unknown_years)) return false;
  await setMeta('calendar', { at: Date.now(), unknown_years: r.body.unknown_years });
  return true;
}

/**
 * A warning for a deadline counted without its year's holidays, or '' (also before the
 * first fetch: nothing is claimed the phone does not know).
 * @param {number | null | undefined} due epoch ms
 */
export async function deadlineCaveat(due) {
  if (!Number.isInteger(due)) return '';
  const kept = await getMeta('calendar');
  const year = new Date(/** @type {number} */ (due) + CST_MS).getUTCFullYear();
  return kept && (kept.unknown_years || []).includes(year)
    ? `${year}年节假日安排尚未导入，此期限暂按周一至周五计算，导入后可能调整` : '';
}
