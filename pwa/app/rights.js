/**
 * Who may set what, read from the same schema data the server enforces (sync/schemas.json:
 * `writers`, `rights.<path>.writers`, `rights.<path>.values.<value>`,
 * `rights.<path>.from.<stored>.<value>`, `frozen`). The app only hides controls a role may not
 * use; the server stays the judge.
 */

import { current } from './schema.js';

/** Whether `path` is `prefix` or under it (dot boundaries). */
const under = (path, prefix) => path === prefix || path.startsWith(`${prefix}.`);

/**
 * Whether `role` may set `path` (to `value`, when given; from the stored value `from`, when
 * given: a `from` rule judges a move, e.g. a complaint sent back from replied to open).
 * @param {string} role
 * @param {string} collection
 * @param {string} path
 * @param {any} [value]
 * @param {any} [from] the stored value ('' or null for a new record)
 */
export function canSet(role, collection, path, value, from) {
  const coll = current() && current().collections && current().collections[collection];
  if (!coll) return false;
  if (!(coll.writers || []).includes(role)) return false;
  if ((coll.computed || []).some((p) => under(path, p))) return false;
  for (const [prefix, rule] of Object.entries(coll.rights || {})) {
    if (!under(path, prefix)) continue;
    if (rule.writers && !rule.writers.includes(role)) return false;
    if (value !== undefined && rule.values && rule.values[String(value)] && !rule.values[String(value)].includes(role)) return false;
    if (value !== undefined && from !== undefined && path === prefix && rule.from) {
      const roles = (rule.from[from == null ? '' : String(from)] || {})[String(value)];
      if (roles && !roles.includes(role)) return false;
    }
  }
  return true;
}

/**
 * Whether a stored record is frozen for `path` (an approved inspection, a published template).
 * @param {string} collection
 * @param {any} data the stored record's data
 * @param {string} [path]
 */
export function frozen(collection, data, path = '*') {
  const coll = current() && current().collections && current().collections[collection];
  for (const rule of (coll && coll.frozen) || []) {
    const matches = Object.entries(rule.when || {}).every(([p, values]) => values.includes(data[p]));
    if (matches && rule.paths.some((p) => p === '*' || path === '*' || under(path, p))) return true;
  }
  return false;
}

/** Roles that review inspections (return, approve): the status values' rights, else none. */
export function reviews(role) {
  return canSet(role, 'inspections', 'status', 'approved') && canSet(role, 'inspections', 'review.comment');
}
