/**
 * The centre's people (id, display name, role, centres) the phone keeps for pickers such as a
 * case's hand-over (首问负责): `GET /api/v1/colleagues`, refreshed after a sync when older than
 * an hour (or never fetched) and kept in `meta`, so the picker shows names offline too.
 * Nothing personal beyond the name is sent or kept.
 */

import { call } from './api.js';
import { getMeta, setMeta } from './store.js';

const MAX_AGE_MS = 3600 * 1000;
const ROLE_WORDS = { field: '外勤人员', centre: '中心人员' };

/**
 * Fetch the list when it is missing or stale (`force`: always). Failures keep the old list.
 * @param {string} token
 * @param {boolean} [force]
 */
export async function refreshColleagues(token, force = false) {
  const kept = await getMeta('colleagues');
  if (!force && kept && Date.now() - kept.at < MAX_AGE_MS) return false;
  const r = await call('/colleagues', { token, timeout: 20000 });
  if (!r.ok || !r.body || !Array.isArray(r.body.users)) return false;
  await setMeta('colleagues', { at: Date.now(), users: r.body.users });
  return true;
}

/**
 * The people kept on the phone ([] before the first fetch), of one centre when given.
 * @param {string} [centreId]
 * @returns {Promise<{id: string, name: string, role: string, centre_ids: string[]}[]>}
 */
export async function colleagues(centreId) {
  const kept = await getMeta('colleagues');
  const users = (kept && kept.users) || [];
  return centreId ? users.filter((u) => (u.centre_ids || []).includes(centreId)) : users;
}

/**
 * How a person is shown: their name (and role), or the id when the phone does not know them.
 * @param {Map<string, any>} byId
 * @param {string} [id]
 */
export function personLabel(byId, id) {
  if (!id) return '';
  const u = byId.get(id);
  return u ? `${u.name}（${ROLE_WORDS[u.role] || u.role}）` : id;
}
