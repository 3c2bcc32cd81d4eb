/**
 * One event bus for the page, other tabs and the service worker: a sync run in the
 * service worker (Background Sync) or another tab must refresh what this tab shows.
 * Messages: {type: 'changed'} (data changed), {type: 'sync', ...} (sync state),
 * {type: 'auth', code} (log in again), {type: 'wiped', reason}.
 */

const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('fieldsync') : null;
/** @type {Set<(msg: any) => void>} */
const listeners = new Set();

if (channel) channel.onmessage = (e) => { for (const fn of listeners) fn(e.data); };

/**
 * Tell this context and every other one.
 * @param {object} msg a structured-cloneable message with a `type`
 */
export function emit(msg) {
  for (const fn of listeners) {
    try { fn(msg); } catch (err) { console.error(err); }
  }
  if (channel) channel.postMessage(msg);
}

/**
 * Listen to every message (from here and elsewhere).
 * @param {(msg: any) => void} fn
 * @returns {() => void} unsubscribe
 */
export function on(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
