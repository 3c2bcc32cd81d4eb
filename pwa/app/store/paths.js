/**
 * Dotted field paths over plain data (pure: no IndexedDB, no DOM). The server merges leaf
 * paths (`applicant.phone`, `items.A3.count`); the phone applies them the same way.
 *
 * Record data comes from other people's phones and old database rows, so a path segment may
 * be `__proto__`, `constructor` or `prototype`. These helpers never walk the prototype chain:
 * reads see own properties only, writes define own properties (`o[k] = v` with k =
 * '__proto__' would replace the object's prototype; defineProperty stores plain data).
 */

const own = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

/**
 * Set an own, enumerable data property (never a setter, never the prototype).
 * @param {any} o
 * @param {string} k
 * @param {any} value
 */
export function define(o, k, value) {
  Object.defineProperty(o, k, { value, writable: true, enumerable: true, configurable: true });
}

/** The key of a record in `records` and `outbox`. */
export const keyOf = (collection, id) => `${collection}/${id}`;

/**
 * Read a dotted path (own properties only).
 * @param {any} obj
 * @param {string} path
 */
export function getPath(obj, path) {
  let o = obj;
  for (const part of path.split('.')) {
    if (o == null || typeof o !== 'object' || !own(o, part)) return undefined;
    o = o[part];
  }
  return o;
}

/**
 * Write a dotted path, creating objects on the way (the server merges leaf paths the same way).
 * @param {any} obj
 * @param {string} path
 * @param {any} value
 */
export function setPath(obj, path, value) {
  const parts = path.split('.');
  let o = obj;
  for (const part of parts.slice(0, -1)) {
    let next = own(o, part) ? o[part] : undefined;
    if (next == null || typeof next !== 'object' || Array.isArray(next)) {
      next = {};
      define(o, part, next);
    }
    o = next;
  }
  define(o, parts[parts.length - 1], value);
}

/**
 * Nested objects to dotted leaf paths; arrays are leaves, undefined is skipped.
 * @param {Record<string, any>} obj
 * @param {string} [prefix]
 * @returns {Record<string, any>}
 */
export function flatten(obj, prefix = '') {
  /** @type {Record<string, any>} */
  const out = {};
  const walk = (o, pre) => {
    for (const [k, v] of Object.entries(o)) {
      if (v === undefined) continue;
      if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length) walk(v, `${pre}${k}.`);
      else define(out, `${pre}${k}`, v);
    }
  };
  walk(obj, prefix);
  return out;
}

/** A deep copy (structuredClone is missing on iOS before 15.4). */
export const clone = (x) => (typeof structuredClone === 'function' ? structuredClone(x) : JSON.parse(JSON.stringify(x)));

/** A random UUID (crypto.randomUUID is missing on older iPhones). */
export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
