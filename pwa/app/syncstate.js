/**
 * The one source of "what is the sync doing" for every view (the status bar, the 同步
 * page, and any screen a later change adds): counts from the outbox and uploads, the last
 * sync, the link, and the scheduler's state, read together and pushed to watchers on every
 * change, so no two views can disagree (no "同步失败" beside "待同步 0" once the link is back).
 * Page only (the scheduler is).
 */

import { counts, getMeta } from './store.js';
import { on } from './bus.js';
import { status as schedulerStatus } from './scheduler.js';

/**
 * @typedef {{unsent: number, rejected: number, photos: number, lastSync: number | undefined,
 *   online: boolean, running: boolean, waiting: boolean, lastError: string, nextAt: number,
 *   state: 'offline'|'running'|'waiting'|'error'|'ok', note: string}} SyncState
 */

/**
 * Everything the views show about syncing, read now.
 * @returns {Promise<SyncState>}
 */
export async function syncState() {
  const [c, lastSync] = await Promise.all([counts(), getMeta('lastSync')]);
  const st = schedulerStatus();
  const online = navigator.onLine !== false;
  const state = !online ? 'offline' : st.running ? 'running' : st.waiting ? 'waiting' : st.lastError ? 'error' : 'ok';
  const note = { offline: '离线', running: '同步中…', waiting: '已联网，即将同步', error: '同步失败，稍后重试', ok: '' }[state];
  return { ...c, lastSync, online, running: st.running, waiting: st.waiting, lastError: st.lastError, nextAt: st.nextAt,
    state, note };
}

/**
 * Call `fn` with the sync state now and after every change to it (data, sync runs, the
 * link). Coalesced: bursts of events cost one read.
 * @param {(s: SyncState) => void} fn
 * @returns {() => void} stop watching
 */
export function watchSyncState(fn) {
  let timer = 0;
  let stopped = false;
  const read = () => {
    timer = 0;
    syncState().then((s) => { if (!stopped) fn(s); }, console.error);
  };
  const soon = () => { if (!timer) timer = window.setTimeout(read, 30); };
  const off = on(soon); // any message may change it (data, sync runs, log in and out)
  window.addEventListener('online', soon);
  window.addEventListener('offline', soon);
  read();
  return () => {
    stopped = true;
    off();
    clearTimeout(timer);
    window.removeEventListener('online', soon);
    window.removeEventListener('offline', soon);
  };
}
