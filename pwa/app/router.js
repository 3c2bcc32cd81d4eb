/**
 * Hash routes to views. A view is `async (ctx) => ({live, form})`: it fills `ctx.main`.
 * Live views (lists, details) re-render when data changes (a sync, another tab); forms
 * never do, so a background sync cannot wipe what someone is typing. A live screen that
 * holds a small form (a hand-over, a reply) keeps its typed fields across the redraw (keep.js).
 */

import { anchor, keepRows, realign, restore, snapshot, watch } from './keep.js';

/** @typedef {{main: HTMLElement, params: string[], query: URLSearchParams, session: any, rerender: () => void}} Ctx */

/** @type {[RegExp, (ctx: Ctx) => Promise<{live?: boolean, form?: boolean} | void>][]} */
const routes = [];
/** @type {{live?: boolean, form?: boolean}} */
let currentView = {};
let renderSeq = 0;
/** The path of the screen on show (a redraw of it keeps the person's input). */
let shownPath = '';
/** The shown screen's path and query: a redraw keeps the scroll only on the same one. */
let shownWhere = '';
/** @type {() => Promise<any>} */
let getSession = async () => null;
/** @type {(session: any) => string} */
let homeOf = () => '#/today';
/** @type {(() => void)[]} */
const leaveHooks = [];

/**
 * Add a route.
 * @param {RegExp} pattern matched against the hash path (without the query)
 * @param {(ctx: Ctx) => Promise<any>} view
 */
export function route(pattern, view) {
  routes.push([pattern, view]);
}

/**
 * A view loaded on first use: `load` calls the dynamic import of its module, `name` is the view
 * it exports. The module is fetched when the screen is first opened, never at start, so a
 * phone's start does not pay for screens only a desk uses. A module that cannot be fetched
 * (offline, never opened online so not in the service worker's cache) gives a clear message
 * instead of an error; the next try loads it again.
 * @param {() => Promise<any>} load
 * @param {string} name
 * @returns {(ctx: Ctx) => Promise<any>}
 */
export function lazy(load, name) {
  /** @type {Promise<any> | null} */
  let loading = null;
  return async (ctx) => {
    if (!loading) loading = load().catch((err) => { loading = null; throw err; });
    let view;
    try {
      view = (await loading)[name];
    } catch (err) {
      console.warn('lazy view', name, err);
      ctx.main.replaceChildren(unloaded());
      return {};
    }
    return view(ctx);
  };
}

/** The screen of a view whose module could not be loaded (offline before its first use, or
 * a newer version deployed: the worker refuses to mix its files into this page, sw/shell.js). */
function unloaded() {
  const p = document.createElement('p');
  p.className = 'box bad';
  p.setAttribute('role', 'alert');
  p.dataset.unloaded = '1';
  p.textContent = navigator.onLine === false
    ? '当前离线：此页面尚未在本设备上打开过，联网后打开一次即可离线查看。'
    : '此页面暂时无法加载，请检查网络后重试。';
  // A new version on its way (the worker found it when it refused the module): say so; the
  // page moves to it by itself, or after the unsent work has gone (update.js).
  if (navigator.onLine !== false && 'serviceWorker' in navigator) {
    const updating = () => {
      p.dataset.unloaded = 'update';
      p.textContent = '应用已有新版本：更新后即可打开此页面（未同步的更改发送后自动更新，或点页面顶部的“立即更新”）。';
    };
    navigator.serviceWorker.getRegistration().then((reg) => {
      if (!reg) return;
      if (reg.installing || reg.waiting) updating();
      else reg.addEventListener('updatefound', () => { if (p.isConnected) updating(); }, { once: true });
    }).catch(() => {});
  }
  return p;
}

/**
 * Put a new query for the screen on show in the address, without drawing it again (a search
 * as you type): a later redraw (a sync) is then still one of the same screen, keeping its
 * rows and scroll. Nothing when the address has moved on to another screen meanwhile.
 * @param {string} hash the screen's path with its new query
 * @returns {boolean} whether the address was changed
 */
export function replaceQuery(hash) {
  const [path, qs] = hash.split('?');
  if ((location.hash || '').split('?')[0] !== path || shownPath !== path) return false;
  history.replaceState(null, '', hash);
  shownWhere = qs ? `${path}?${qs}` : path;
  return true;
}

/**
 * Navigate.
 * @param {string} hash e.g. '#/visit/123'
 * @param {boolean} [replace] replace the history entry (after saving a form)
 */
export function go(hash, replace = false) {
  if (location.hash === hash) {
    render();
    return;
  }
  if (replace) {
    history.replaceState(null, '', hash);
    render();
  } else {
    location.hash = hash;
  }
}

/** Whether the current screen is a form (an app update then waits). */
export const onForm = () => !!currentView.form;

/**
 * Run `fn` when leaving the current screen.
 * @param {() => void} fn
 */
export const onLeave = (fn) => leaveHooks.push(fn);

/**
 * Render the current hash.
 * @param {{keepScroll?: boolean}} [opts]
 */
export async function render(opts = {}) {
  const seq = (renderSeq += 1);
  const main = /** @type {HTMLElement} */ (document.getElementById('view'));
  if (!main.dataset.watched) {
    main.dataset.watched = '1';
    watch(main);
  }
  const session = await getSession();
  const home = session && session.token ? homeOf(session) : '#/today';
  let [path, qs] = (location.hash || home).split('?');
  let found = routes.find(([re]) => re.test(path));
  if (!session || !session.token) found = routes.find(([re]) => re.test('#/login'));
  else if (!found || path === '#/login') {
    // Each role opens on its own home (a role's home not built here falls back to 今日).
    const to = routes.some(([re]) => re.test(home.split('?')[0])) ? home : '#/today';
    history.replaceState(null, '', to);
    [path, qs] = to.split('?');
    found = routes.find(([re]) => re.test(path));
  }
  if (!found) return;
  const [re, view] = found;
  const where = qs ? `${path}?${qs}` : path;
  // A redraw (new data) keeps the scroll of the screen it redraws; one that lands after the
  // hash moved on draws a new screen, from the top.
  const same = !!opts.keepScroll && where === shownWhere;
  const next = document.createElement('div');
  next.className = 'screen';
  const ctx = { main: next, params: (path.match(re) || []).slice(1).map(decodeURIComponent), query: new URLSearchParams(qs || ''),
    session, rerender: () => render({ keepScroll: true }) };
  const old = leaveHooks.splice(0);
  let result;
  try {
    result = (await view(ctx)) || {};
  } catch (err) {
    console.error(err);
    next.replaceChildren(Object.assign(document.createElement('p'), { className: 'box bad', textContent: `出错了：${err.message}` }));
    result = {};
  }
  /** Whether a newer navigation won: this screen is then never shown. */
  const beaten = () => {
    if (seq === renderSeq) return false;
    for (const fn of leaveHooks.splice(0)) fn();
    leaveHooks.push(...old);
    return true;
  };
  if (beaten()) return;
  // A redraw of the same screen holds the rows the person had scrolled to in its long lists
  // (read before it is shown, so the scroll below lands on them); again while the old screen
  // grew meanwhile.
  if (same && main.firstElementChild) {
    const shown = main.firstElementChild;
    while (await keepRows(shown, next)) if (beaten()) return;
    if (beaten()) return;
  }
  for (const fn of old) fn();
  currentView = result;
  // A redraw of the same screen (new data from a sync, or the view's own rerender) keeps what
  // the person is in the middle of: open folds, typed fields, messages, focus.
  const kept = opts.keepScroll && path === shownPath && main.firstElementChild ? snapshot(main.firstElementChild) : null;
  // Read at the swap: the person may have scrolled while the screen was being drawn.
  const scroll = same ? window.scrollY : 0;
  const at = scroll && main.firstElementChild ? anchor(main.firstElementChild) : null;
  // Only a redraw that carries the typed fields over (restore) silences the change events of
  // the old screen's removal; leaving for another screen lets them save what was typed.
  if (kept) /** @type {HTMLElement} */ (main.firstElementChild).dataset.leaving = '1';
  main.replaceChildren(next);
  shownPath = path;
  shownWhere = where;
  if (kept) restore(next, kept);
  document.body.dataset.view = path.split('/')[1] || '';
  for (const a of document.querySelectorAll('#nav a')) {
    const active = path.startsWith(/** @type {HTMLAnchorElement} */ (a).getAttribute('href') || '~');
    if (active) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  window.scrollTo(0, scroll);
  realign(next, at);
  if (!opts.keepScroll) main.focus({ preventScroll: true });
}

let pending = 0;
/** Data changed: refresh a live view (at most every 400 ms; sync pages come in bursts). */
export function refresh() {
  if (!currentView.live || pending) return;
  pending = window.setTimeout(() => {
    pending = 0;
    if (currentView.live) render({ keepScroll: true });
  }, 400);
}

/**
 * Start routing.
 * @param {() => Promise<any>} sessionFn
 * @param {(session: any) => string} [homeFn] the hash each role opens on
 */
export function startRouter(sessionFn, homeFn) {
  getSession = sessionFn;
  if (homeFn) homeOf = homeFn;
  window.addEventListener('hashchange', () => render());
  return render();
}
