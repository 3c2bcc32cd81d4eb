/**
 * Service worker registration and the update flow. A new version installs in the
 * background and waits; it takes over only when the outbox is empty (and nobody is typing
 * in a form) or when the person agrees. Either way unsent work is safe: it lives in
 * IndexedDB, which the new version opens without touching the outbox.
 */

import { counts } from './store.js';
import { on } from './bus.js';
import { onForm } from './router.js';
import { INSPECTION_ROLES } from './roles.js';

/** @type {ServiceWorker | null} */
let waiting = null;
let reloading = false;

/** Register the worker (module where supported, for Background Sync; classic otherwise). */
export async function registerWorker() {
  if (!('serviceWorker' in navigator)) return null;
  const hadController = !!navigator.serviceWorker.controller;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    // The first install claims the page: nothing to reload. Later changes are new versions.
    if (!hadController || reloading) return;
    reloading = true;
    location.reload();
  });
  let reg;
  try {
    reg = await navigator.serviceWorker.register('/sw.js', { type: 'module', updateViaCache: 'none' });
  } catch {
    reg = await navigator.serviceWorker.register('/sw-classic.js', { updateViaCache: 'none' });
  }
  watch(reg);
  on((msg) => { if (waiting && (msg.type === 'changed' || msg.type === 'sync')) consider(); });
  window.addEventListener('hashchange', () => { if (waiting) consider(); });
  if (navigator.onLine !== false) reg.update().catch(() => {});
  setInterval(() => { if (navigator.onLine !== false) reg.update().catch(() => {}); }, 60 * 60 * 1000);
  return reg;
}

let packRole = '';
/**
 * Once per page and signed-in role (after a login, or at a start with a session): for a role
 * that uses the inspection screens, ask the service worker to keep them on the device
 * (sw/shell.js INSPECTION) so they open offline; the worker fetches only what it lacks. For
 * any other role, ask it to drop them (a phone an inspector handed on), so a field user's
 * device never holds them.
 * @param {any} session
 */
export function keepPacks(session) {
  const role = session && session.token && session.user ? session.user.role : '';
  if (!role || role === packRole || !('serviceWorker' in navigator)) return;
  packRole = role;
  const type = INSPECTION_ROLES.includes(role) ? 'CACHE_INSPECTION' : 'DROP_INSPECTION';
  navigator.serviceWorker.ready.then((reg) => reg.active && reg.active.postMessage({ type })).catch(() => {});
}

function watch(reg) {
  if (reg.waiting && navigator.serviceWorker.controller) found(reg.waiting);
  reg.addEventListener('updatefound', () => {
    const w = reg.installing;
    if (!w) return;
    w.addEventListener('statechange', () => {
      if (w.state === 'installed' && navigator.serviceWorker.controller) found(w);
    });
  });
}

function found(worker) {
  waiting = worker;
  consider();
}

/** Activate the waiting version now. */
function activate() {
  if (!waiting) return;
  waiting.postMessage({ type: 'SKIP_WAITING' });
}

async function consider() {
  if (!waiting) return;
  const c = await counts();
  // Rejected ops wait for a person, not for a sync, and stay in IndexedDB across versions
  // (a stale_schema rejection is even fixed by the update): only pending work holds it back.
  const pending = c.unsent - c.rejected;
  const banner = /** @type {HTMLElement} */ (document.getElementById('banner'));
  if (!pending && !c.photos && !onForm()) {
    activate();
    return;
  }
  const text = pending || c.photos
    ? `新版本已就绪。还有 ${pending} 项更改未同步，同步完成后自动更新。`
    : '新版本已就绪，离开此页面后自动更新。';
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'btn small';
  button.textContent = '立即更新';
  button.addEventListener('click', () => {
    if (pending || c.photos) {
      const ok = confirm(`还有 ${pending} 项更改、${c.photos} 张照片未同步。\n它们保存在本机，更新后会继续发送，不会丢失。\n现在更新吗？`);
      if (!ok) return;
    }
    activate();
  });
  const span = document.createElement('span');
  span.textContent = text;
  banner.replaceChildren(span, button);
  banner.hidden = false;
}
