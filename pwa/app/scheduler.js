/**
 * When to sync (page side): at start, when the link comes back, every few minutes while
 * open and visible, soon after a local change, and on demand; with exponential backoff
 * after failures. Also asks for Background Sync so the service worker sends the outbox
 * when the link returns after the app is closed (Chromium).
 */

import { BACKOFF_MAX_MS, ONLINE_JITTER_MS, SYNC_EVERY_MS } from './config.js';
import { AuthFailed, syncNow } from './sync.js';
import { emit, on } from './bus.js';
import { errorText } from './labels.js';

const state = { running: false, waiting: false, failures: 0, nextAt: 0, lastError: '', lastResult: null };
/** @type {ReturnType<typeof setTimeout> | undefined} */
let retryTimer;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let soonTimer;
/** A sync asked for while one runs: it runs right after, and its callers wait for it. */
let again = null;
/** @type {Promise<any> | null} */
let current = null;

/** The scheduler's state, for the status area. */
export function status() {
  return { ...state };
}

/**
 * Sync now (or right after the running one). Manual and link-regained attempts skip the
 * backoff wait; others respect it.
 * @param {string} reason 'start' | 'online' | 'interval' | 'change' | 'manual' | 'retry' | 'sw'
 * @returns {Promise<any>}
 */
export function kick(reason) {
  const urgent = reason === 'manual' || reason === 'online' || reason === 'start' || reason === 'sw';
  // The retry timer is the backoff itself (and may fire a few ms before nextAt): never skip it.
  if (!urgent && reason !== 'retry' && state.nextAt > Date.now()) return Promise.resolve(null);
  if (!urgent && reason !== 'retry' && typeof navigator !== 'undefined' && navigator.onLine === false) {
    return Promise.resolve(null);
  }
  if (current) {
    if (!again) {
      let resolve = (_) => {};
      const promise = new Promise((r) => { resolve = r; });
      again = { reason, promise, resolve };
    } else if (urgent) {
      again.reason = reason;
    }
    return again.promise;
  }
  clearTimeout(retryTimer);
  state.running = true;
  state.waiting = false;
  state.nextAt = 0;
  emit({ type: 'schedule' });
  current = syncNow().then((result) => {
    state.failures = 0;
    state.lastError = '';
    state.lastResult = result;
    return result;
  }, (err) => {
    state.lastError = errorText(err);
    if (!(err && err.name === 'NetworkError')) console.warn('sync failed', err);
    if (err instanceof AuthFailed) return null; // nothing to retry until someone logs in
    state.failures += 1;
    const delay = Math.min(BACKOFF_MAX_MS, 5000 * 2 ** (state.failures - 1)) * (0.75 + Math.random() * 0.5);
    state.nextAt = Date.now() + delay;
    retryTimer = setTimeout(() => kick('retry'), delay);
    return null;
  }).finally(() => {
    state.running = false;
    current = null;
    emit({ type: 'schedule' });
    if (again) {
      const next = again;
      again = null;
      kick(next.reason).then(next.resolve);
    }
  });
  return current;
}

/**
 * A local change was saved: sync shortly (changes come in bursts), and register Background
 * Sync so the outbox goes even if the app is closed before the link returns.
 */
export function soon() {
  clearTimeout(soonTimer);
  soonTimer = setTimeout(() => kick('change'), 1500);
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.ready.then((reg) => reg.sync && reg.sync.register('fieldsync-outbox')).catch(() => {});
  }
}

let started = false;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let onlineTimer;

/** Start the triggers (once per page), then sync. */
export function start() {
  if (started) {
    kick('start');
    return;
  }
  started = true;
  window.addEventListener('online', () => {
    state.failures = 0;
    // The failure was the link's, and the link is back: say a sync is coming, not that the
    // last one failed (every view reads this state: syncstate.js).
    state.lastError = '';
    state.nextAt = 0;
    state.waiting = true;
    clearTimeout(retryTimer);
    emit({ type: 'schedule' });
    // When a township's link comes back, every phone there sees it at the same moment: a
    // random wait spreads them out, so the server meets a trickle, not a thundering herd.
    clearTimeout(onlineTimer);
    onlineTimer = setTimeout(() => kick('online'), Math.random() * ONLINE_JITTER_MS);
  });
  setInterval(() => {
    if (document.visibilityState === 'visible') kick('interval');
  }, SYNC_EVERY_MS);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') kick('interval');
  });
  on((msg) => {
    if (msg.type === 'changed' && msg.local) soon();
  });
  kick('start');
}
