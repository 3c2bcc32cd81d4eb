/**
 * The server's collection schemas (GET /api/v1/schemas, kept offline in `meta`): enum
 * values, rating labels and points, and field rules. The app validates with them before
 * saving, so the rules live once (sync/schemas.json) and the server stays the judge.
 */

import { getMeta } from './store.js';
import { fieldLabel } from './labels.js';

/** @type {any} */
let cached = null;

/** Load the schemas kept on the device (null before the first online login). */
export async function load() {
  cached = (await getMeta('schemas')) || cached;
  return cached;
}

/** The schemas loaded last (synchronous, for rendering). */
export const current = () => cached;

function resolve(spec) {
  let s = spec;
  for (let i = 0; s && cached && cached.types && cached.types[s.type] && i < 20; i += 1) {
    const { type, ...extra } = s;
    s = { ...cached.types[type], ...extra };
  }
  return s;
}

/**
 * The resolved spec of a dotted field path, or null if the schema does not know it.
 * @param {string} collection
 * @param {string} path
 */
export function specAt(collection, path) {
  const coll = cached && cached.collections && cached.collections[collection];
  if (!coll) return null;
  let fields = coll.fields;
  let spec = null;
  for (const part of path.split('.')) {
    if (spec) {
      spec = resolve(spec);
      if (spec.type === 'object') fields = spec.fields;
      else if (spec.type === 'map') { spec = spec.values; continue; } else return null;
    }
    if (!fields || !fields[part]) return null;
    spec = fields[part];
    fields = null;
  }
  return spec ? resolve(spec) : null;
}

/**
 * Allowed values of an enum field ([] if unknown).
 * @param {string} collection
 * @param {string} path
 * @returns {string[]}
 */
export function enumOf(collection, path) {
  const spec = specAt(collection, path);
  return (spec && spec.enum) || [];
}

/** The case lifecycle of the contract (DESIGN v1.1), used until the server's schemas carry it. */
const CASE_TRANSITIONS = {
  '': ['consulted', 'accepted', 'refused'], consulted: ['accepted', 'refused'],
  accepted: ['supplement', 'handling', 'completed', 'returned'], supplement: ['handling', 'returned'],
  handling: ['supplement', 'completed', 'returned'],
};

/**
 * The values ``path`` may move to from ``from`` ('' for a new record), by the schemas'
 * ``transitions`` data; null when the collection has no rule for that path.
 * @param {string} collection
 * @param {string} path
 * @param {string} from
 * @returns {string[] | null}
 */
export function nextValues(collection, path, from) {
  const coll = cached && cached.collections && cached.collections[collection];
  const table = (coll && coll.transitions && coll.transitions[path])
    || (collection === 'cases' && path === 'status' ? CASE_TRANSITIONS : null);
  if (!table) return null;
  return table[from || ''] || [];
}

/**
 * The five-level rating scale: [{value, label, points}], best first.
 */
export function ratings() {
  const r = (cached && cached.ratings) || {};
  return Object.entries(r).map(([value, v]) => ({ value, label: v.label, points: v.points }));
}

/**
 * Check one value; returns a Chinese message or ''.
 * @param {any} spec resolved spec
 * @param {any} value
 * @param {string} label
 */
function check(spec, value, label) {
  if (value === null || value === undefined) return '';
  const s = resolve(spec);
  switch (s.type) {
    case 'string':
      if (typeof value !== 'string') return `${label}：应为文字`;
      if (s.max && [...value].length > s.max) return `${label}：最多 ${s.max} 个字`;
      if (s.enum && !s.enum.includes(value)) return `${label}：不在可选范围内`;
      if (s.pattern && !new RegExp(s.pattern).test(value)) return `${label}：格式不正确`;
      return '';
    case 'integer':
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value) || (s.type === 'integer' && !Number.isInteger(value))) {
        return `${label}：应为数字`;
      }
      if (s.min !== undefined && value < s.min) return `${label}：不能小于 ${s.min}`;
      if (s.max !== undefined && value > s.max) return `${label}：不能大于 ${s.max}`;
      return '';
    case 'boolean':
      return typeof value === 'boolean' ? '' : `${label}：应为是/否`;
    case 'array':
      if (!Array.isArray(value)) return `${label}：应为列表`;
      if (value.length > (s.max || 1000)) return `${label}：最多 ${s.max} 项`;
      for (const item of value) {
        const m = check(s.items, item, label);
        if (m) return m;
      }
      return '';
    default:
      return '';
  }
}

/**
 * Validate an op's `set` against the schema: [{path, message}] (empty when fine, or when
 * the schemas are not on the device yet: the server still checks).
 * @param {string} collection
 * @param {Record<string, any>} set dotted paths
 */
export function validate(collection, set) {
  if (!cached) return [];
  const errors = [];
  for (const [path, value] of Object.entries(set)) {
    const spec = specAt(collection, path);
    const label = fieldLabel(collection, path);
    if (!spec) {
      errors.push({ path, message: `${label}：未知字段` });
      continue;
    }
    const message = check(spec, value, label);
    if (message) errors.push({ path, message });
  }
  return errors;
}
