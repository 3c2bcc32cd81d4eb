/**
 * Start the app: open the local database, render from it at once (no network needed),
 * register the service worker, then sync in the background. The status area always shows
 * what is not yet on the server.
 */

import { counts, getMeta, requeueStale } from './store.js';
import { on } from './bus.js';
import { load as loadSchemas } from './schema.js';
import { kick, start as startSync, status as syncStatus } from './scheduler.js';
import { refresh, render, route, startRouter } from './router.js';
import { registerWorker } from './update.js';
import { fmtShort, toast } from './ui.js';
import { loginView } from './views/login.js';
import { todayView, visitView, visitsView } from './views/visits.js';
import { visitFormView } from './views/visit-form.js';
import { caseFormView, caseView, casesView } from './views/cases.js';
import { callbackView } from './views/callback.js';
import { syncView } from './views/syncview.js';

route(/^#\/login$/, loginView);
route(/^#\/today$/, todayView);
route(/^#\/visits$/, visitsView);
route(/^#\/visit\/(new)\/(home_service|site_survey|follow_up)$/, visitFormView);
route(/^#\/visit\/([^/]+)\/(edit|finish)$/, visitFormView);
route(/^#\/visit\/([^/]+)$/, visitView);
route(/^#\/cases$/, casesView);
route(/^#\/case\/(new)$/, caseFormView);
route(/^#\/case\/([^/]+)\/edit$/, caseFormView);
route(/^#\/case\/([^/]+)$/, caseView);
route(/^#\/callback$/, callbackView);
route(/^#\/sync$/, syncView);

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** Redraw the status area: 待同步 N always first (outside tests read it). */
async function drawStatus() {
  const session = await getMeta('session');
  const c = await counts();
  const last = await getMeta('lastSync');
  const st = syncStatus();
  const parts = [`待同步 ${c.unsent}`];
  if (c.rejected) parts.push(`退回 ${c.rejected}`);
  if (c.photos) parts.push(`待传照片 ${c.photos}`);
  parts.push(last ? `上次同步 ${fmtShort(last)}` : '尚未同步');
  let note = '';
  if (navigator.onLine === false) note = '离线';
  else if (st.running) note = '同步中…';
  else if (st.lastError) note = '同步失败，稍后重试';
  $('status-text').textContent = parts.join(' · ');
  $('status-note').textContent = note;
  $('status').dataset.state = navigator.onLine === false ? 'offline' : st.running ? 'running' : st.lastError ? 'error' : 'ok';
  const loggedIn = !!(session && session.token);
  $('sync-btn').hidden = !loggedIn;
  $('nav').hidden = !loggedIn;
  const badge = $('nav-badge');
  badge.textContent = c.unsent ? String(c.unsent) : '';
  badge.hidden = !c.unsent;
}

let statusTimer = 0;
function statusSoon() {
  if (statusTimer) return;
  statusTimer = window.setTimeout(() => {
    statusTimer = 0;
    drawStatus().catch(console.error);
  }, 50);
}

async function boot() {
  performance.mark('boot');
  await drawStatus(); // first: the unsent count is visible before anything else
  await loadSchemas();
  on((msg) => {
    if (msg.type === 'changed') refresh();
    if (msg.type === 'wiped') {
      toast('此设备已停用，本机数据已清除', 'error');
      render();
    }
    if (msg.type === 'auth') render();
    if (msg.type === 'reload') location.reload();
    statusSoon();
  });
  window.addEventListener('online', statusSoon);
  window.addEventListener('offline', statusSoon);
  $('sync-btn').addEventListener('click', async () => {
    const btn = $('sync-btn');
    btn.setAttribute('aria-busy', 'true'); // set before any await: tests and screen readers see it at once
    if (navigator.onLine === false) toast('当前离线，联网后会自动同步');
    await kick('manual');
    btn.removeAttribute('aria-busy');
    const st = syncStatus();
    if (st.lastError) toast(`同步失败：${st.lastError}`, 'error');
    else if (navigator.onLine !== false) toast('同步完成');
  });
  await startRouter(() => getMeta('session'));
  await drawStatus();
  document.body.dataset.ready = '1';
  performance.mark('app-ready');
  const session = await getMeta('session');
  await requeueStale().catch(console.error);
  if (navigator.storage && navigator.storage.persisted) {
    // Asked at login too; a browser that said no then may say yes once the app is installed.
    navigator.storage.persisted().then((yes) => yes || navigator.storage.persist()).catch(() => {});
  }
  if (session && session.token) startSync();
  registerWorker().catch((err) => console.warn('service worker', err));
}

boot().catch((err) => {
  console.error(err);
  $('view').textContent = `无法打开应用：${err.message}`;
});
