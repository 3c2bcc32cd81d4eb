/**
 * Start the app: open the local database, render from it at once (no network needed),
 * register the service worker, then sync in the background. The status area always shows
 * what is not yet on the server.
 */

import { getMeta, requeueStale } from './store.js';
import { syncState, watchSyncState } from './syncstate.js';
import { on } from './bus.js';
import { load as loadSchemas } from './schema.js';
import { kick, start as startSync, status as syncStatus } from './scheduler.js';
import { lazy, refresh, render, route, startRouter } from './router.js';
import { keepPacks, registerWorker } from './update.js';
import { fmtShort, toast } from './ui.js';
import { loginView } from './views/login.js';
import { callbacksView, todayView, visitView, visitsView } from './views/visits.js';
import { visitFormView } from './views/visit-form.js';
import { caseFormView, caseView, casesView } from './views/cases.js';
import { callbackView } from './views/callback.js';
import { syncView } from './views/syncview.js';
import { accountabilityListView } from './views/accountability.js';
import { inboxGroupView, inboxView } from './views/inbox.js';
import { noticeView } from './views/notice.js';
import { complaintFormView, complaintsView, complaintView } from './views/complaints.js';
import { homeFor, navFor, WORKSPACE } from './roles.js';

route(/^#\/login$/, loginView);
route(/^#\/today$/, todayView);
route(/^#\/visits$/, visitsView);
route(/^#\/visit\/(new)\/(home_service|site_survey|follow_up)$/, visitFormView);
route(/^#\/visit\/([^/]+)\/(edit|finish)$/, visitFormView);
route(/^#\/visit\/([^/]+)$/, visitView);
route(/^#\/cases$/, casesView);
route(/^#\/case\/(new)$/, caseFormView);
route(/^#\/case\/([^/]+)\/edit$/, caseFormView);
route(/^#\/case\/([^/]+)\/notice\/(acceptance|refusal|supplement|return)$/, noticeView);
route(/^#\/case\/([^/]+)$/, caseView);
route(/^#\/callback$/, callbackView);
route(/^#\/callbacks$/, callbacksView);
route(/^#\/accountability$/, accountabilityListView);
route(/^#\/sync$/, syncView);
// Inspections and rectifications (inspectors, centres answering one): a big part of the code
// that field phones never open, so it loads when first opened, not at start. Unlike the
// workspace it stays precached (used offline) and comes from the shell cache.
route(/^#\/inspections$/, insp(() => import('./views/inspections.js'), 'inspectionsView'));
route(/^#\/inspection\/new$/, insp(() => import('./views/inspections.js'), 'inspectionNewView'));
route(/^#\/inspection\/([^/]+)\/walk$/, insp(() => import('./views/inspection-walk.js'), 'inspectionWalkView'));
route(/^#\/inspection\/([^/]+)$/, insp(() => import('./views/inspection-view.js'), 'inspectionView'));
route(/^#\/rectification\/new$/, insp(() => import('./views/rectifications.js'), 'rectificationNewView'));
route(/^#\/rectification\/([^/]+)$/, insp(() => import('./views/rectifications.js'), 'rectificationView'));
route(/^#\/inbox$/, inboxView);
route(/^#\/inbox\/([^/]+)$/, inboxGroupView);
route(/^#\/complaints$/, complaintsView);
route(/^#\/complaint\/(new)$/, complaintFormView);
route(/^#\/complaint\/([^/]+)$/, complaintView);
// The county workspace: supervisors and admins only (the server checks every call too). Its
// modules load on first use (never at start, never on a field phone) and are not precached:
// the service worker keeps them in its workspace cache once fetched (sw/shell.js WORKSPACE).
// The role is checked before the module is asked for, so other roles never fetch one.
/**
 * @param {() => Promise<any>} load
 * @param {string} name
 */
const ws = (load, name) => {
  const view = lazy(load, name);
  return async (/** @type {any} */ ctx) => {
    if (!WORKSPACE.includes(ctx.session.user.role)) return notForRole(ctx);
    cacheWorkspace();
    // the workspace shows inspections too (review, a template's preview): both sheets
    await Promise.all([sheet('/app/ws.css'), sheet('/app/insp.css')]);
    return view(ctx);
  };
};
/** An inspection or rectification screen (the inspection pack), drawn once its sheet is in.
 * @param {() => Promise<any>} load
 * @param {string} name
 */
function insp(load, name) { // a declaration: the routes above use it before this line runs
  const view = lazy(load, name);
  return async (/** @type {any} */ ctx) => {
    await sheet('/app/insp.css');
    return view(ctx);
  };
}
/** @type {Map<string, Promise<void>>} */
const sheets = new Map();
/** A stylesheet of a pack (ws.css, insp.css), added once and waited for, so a screen is never
 * drawn unstyled; a sheet that fails to load (offline before first use) does not block the
 * screen, and is asked for again on the next one.
 * @param {string} href */
function sheet(href) {
  let loaded = sheets.get(href);
  if (!loaded) {
    loaded = new Promise((resolve) => {
      const link = document.createElement('link');
      link.rel = 'stylesheet';
      link.href = href;
      link.onload = () => resolve();
      link.onerror = () => { link.remove(); sheets.delete(href); resolve(); };
      document.head.append(link);
    });
    sheets.set(href, loaded);
  }
  return loaded;
}
let workspaceAsked = false;
/** Once per page: ask the service worker to keep every workspace module (sw/shell.js). */
function cacheWorkspace() {
  if (workspaceAsked || !('serviceWorker' in navigator)) return;
  workspaceAsked = true;
  navigator.serviceWorker.ready.then((reg) => reg.active && reg.active.postMessage({ type: 'CACHE_WORKSPACE' }))
    .catch(() => {});
}
route(/^#\/ws\/overview$/, ws(() => import('./views/ws/overview.js'), 'overviewView'));
route(/^#\/ws\/centre\/([^/]+)$/, ws(() => import('./views/ws/overview.js'), 'centreView'));
route(/^#\/ws\/report$/, ws(() => import('./views/ws/overview.js'), 'reportView'));
route(/^#\/ws\/boards$/, ws(() => import('./views/ws/boards.js'), 'boardsView'));
route(/^#\/ws\/queues$/, ws(() => import('./views/ws/queues.js'), 'queuesView'));
route(/^#\/ws\/admin$/, ws(() => import('./views/ws/admin.js'), 'adminView'));
route(/^#\/ws\/ledgers$/, ws(() => import('./views/ws/ledgers.js'), 'ledgersView'));
route(/^#\/ws\/awards$/, ws(() => import('./views/ws/awards.js'), 'awardsView'));
route(/^#\/ws\/record\/([a-z]+)\/([^/]+)$/, ws(() => import('./views/ws/record.js'), 'recordView'));
route(/^#\/ws\/template\/([^/]+)$/, ws(() => import('./views/ws/template-edit.js'), 'templateEditView'));

/** A screen this role does not use: say so and offer the role's home. */
async function notForRole(ctx) {
  const p = document.createElement('p');
  p.className = 'box bad';
  p.setAttribute('role', 'alert');
  p.textContent = '此页面仅供县级督查人员使用。';
  const a = document.createElement('a');
  a.href = homeFor(ctx.session);
  a.textContent = '返回首页';
  ctx.main.replaceChildren(p, a);
}

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * Draw the status area from the one sync state (syncstate.js): 待同步 N always first
 * (outside tests read it).
 * @param {import('./syncstate.js').SyncState} st
 */
async function drawStatus(st) {
  const session = await getMeta('session');
  const parts = [`待同步 ${st.unsent}`];
  if (st.rejected) parts.push(`退回 ${st.rejected}`);
  if (st.photos) parts.push(`待传照片 ${st.photos}`);
  parts.push(st.lastSync ? `上次同步 ${fmtShort(st.lastSync)}` : '尚未同步');
  $('status-text').textContent = parts.join(' · ');
  $('status-note').textContent = st.note;
  $('status').dataset.state = st.state;
  const loggedIn = !!(session && session.token);
  $('sync-btn').hidden = !loggedIn;
  $('nav').hidden = !loggedIn;
  drawNav(session);
  // An inspector never receives cases or visits: no links to them.
  const inspector = loggedIn && session.user && session.user.role === 'inspector';
  for (const a of $('nav').querySelectorAll('a[href="#/today"], a[href="#/cases"], a[href="#/visits"]')) {
    if (inspector) /** @type {HTMLElement} */ (a).hidden = true;
  }
  const badge = $('nav-badge');
  badge.textContent = st.unsent ? String(st.unsent) : '';
  badge.hidden = !st.unsent;
}

let navRole = '';
/**
 * The navigation of the signed-in role: only the screens it uses.
 * @param {any} session
 */
function drawNav(session) {
  const role = (session && session.user && session.user.role) || '';
  if (role === navRole) return;
  navRole = role;
  const nav = $('nav');
  const badge = $('nav-badge');
  nav.replaceChildren(...navFor(session).map(([href, label]) => {
    const a = document.createElement('a');
    a.href = href;
    a.textContent = label;
    if (href === '#/sync') a.append(' ', badge);
    return a;
  }));
  nav.dataset.links = String(nav.children.length);
}

async function boot() {
  performance.mark('boot');
  // First the unsent count, visible before anything else; the schemas (enum labels for the
  // first screen) are read at the same time, not one round trip after it.
  const [first] = await Promise.all([syncState(), loadSchemas()]);
  await drawStatus(first);
  performance.mark('status');
  on((msg) => {
    if (msg.type === 'changed') refresh();
    if (msg.type === 'wiped') {
      toast('此设备已停用，本机数据已清除', 'error');
      render();
    }
    if (msg.type === 'auth') render();
    if (msg.type === 'reload') location.reload();
  });
  watchSyncState((st) => { drawStatus(st).catch(console.error); });
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
  // The first screen, and the status read again beside it (not after it): both are current
  // when the app says it is ready.
  await Promise.all([
    startRouter(async () => {
      const session = await getMeta('session');
      drawNav(session); // a login or a role change redraws the navigation before the screen
      keepPacks(session); // an inspector's device keeps the inspection screens (update.js)
      return session;
    }, homeFor).then(() => performance.mark('first-view')),
    syncState().then(drawStatus),
  ]);
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
