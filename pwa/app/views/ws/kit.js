/**
 * The county workspace's shared pieces (supervisors, admins): server calls for online views
 * (figures and lists live on the server, never synced into the browser), the "需要联网"
 * state, sortable tables, charts drawn as SVG by the app, month pickers, paging, record
 * rows that say their township, and edits that travel as ops through the outbox.
 */

import { call, NetworkError } from '../../api.js';
import { edit, list, outbox } from '../../store.js';
import { kick } from '../../scheduler.js';
import { h, fmtTime } from '../../ui.js';
import { enumLabel, reasonText } from '../../labels.js';

/** Roles that run the county workspace. */
export const WORKSPACE_ROLES = ['supervisor', 'admin'];

/** A server answer the screen cannot use (the message is Chinese, for people). */
export class ServerRefused extends Error {
  /** @param {number} status @param {any} body */
  constructor(status, body) {
    const code = body && body.error && body.error.code;
    super(status === 403 ? '无权查看' : status === 404 ? '未找到' : (body && body.error && body.error.message) || `服务器拒绝（${status}）`);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

/**
 * GET (or other) a workspace endpoint; NetworkError when offline, ServerRefused on a 4xx/5xx.
 * @param {any} session
 * @param {string} path below /api/v1
 * @param {{method?: string, json?: any, body?: BodyInit, headers?: Record<string,string>}} [opts]
 */
export async function api(session, path, opts = {}) {
  if (navigator.onLine === false) throw new NetworkError('离线');
  const r = await call(path, { ...opts, token: session.token, timeout: 30000 });
  if (!r.ok) throw new ServerRefused(r.status, r.body);
  return r.body;
}

/** The "needs a connection" state of an online view. */
export function offlineBox() {
  return h('section', { class: 'box warn need-online', role: 'status' },
    h('h2', { text: '需要联网' }),
    h('p', { text: '此页面的数字和列表直接来自服务器，本机不保存全县数据。请联网后点“重试”。' }),
    h('button', { class: 'btn small', type: 'button', text: '重试', onclick: () => window.dispatchEvent(new HashChangeEvent('hashchange')) }));
}

/**
 * Draw a workspace screen: title, the section's tabs, then `body()`'s content, or the
 * offline / refused state when the server cannot be reached or says no.
 * @param {any} ctx router context
 * @param {string} title
 * @param {() => Promise<any>} body
 * @param {[string, string][]} [tabs] [href, label] of the section's sub-screens
 */
export async function screen(ctx, title, body, tabs) {
  ctx.main.classList.add('ws');
  const here = location.hash.split('?')[0] + (ctx.query.get('tab') ? `?tab=${ctx.query.get('tab')}` : '');
  const tabNav = tabs ? h('nav', { class: 'ws-tabs', 'aria-label': `${title}分类` },
    tabs.map(([href, label], i) => h('a', { href, text: label,
      'aria-current': (href === here || (i === 0 && !ctx.query.get('tab') && href.split('?')[0] === here)) ? 'page' : null }))) : null;
  let content;
  try {
    content = await body();
  } catch (err) {
    if (err instanceof NetworkError) content = offlineBox();
    else if (err instanceof ServerRefused) content = h('p', { class: 'box bad', role: 'alert', text: err.message });
    else throw err;
  }
  ctx.main.replaceChildren(...[h('h1', { text: title }), tabNav, content].filter(Boolean)); // no tabs: no "null" text
}

/**
 * A sortable table. Columns: {key, label, num?, text?(row) -> string|Node}. Sorting is by
 * buttons in the headers (keyboard usable) with aria-sort on the sorted column.
 * @param {string} caption
 * @param {{key: string, label: string, num?: boolean, text?: (row: any) => any}[]} columns
 * @param {any[]} rows
 * @param {{sortable?: boolean, sortKey?: string, desc?: boolean, rowLabel?: (row: any) => string}} [opts]
 */
export function table(caption, columns, rows, opts = {}) {
  let sortKey = opts.sortKey || '';
  let desc = !!opts.desc;
  const tbl = h('table', { class: 'ws-table' });
  const draw = () => {
    // Rows without a figure stay last in both directions.
    const none = (v) => v === null || v === undefined;
    const sorted = sortKey ? [...rows].sort((a, b) => (none(a[sortKey]) || none(b[sortKey])
      ? cmp(a[sortKey], b[sortKey]) : cmp(a[sortKey], b[sortKey]) * (desc ? -1 : 1))) : rows;
    const head = h('tr', null, columns.map((c) => {
      const sorted = c.key === sortKey;
      const label = opts.sortable
        ? h('button', { type: 'button', class: 'th-sort', text: `${c.label}${sorted ? (desc ? ' ↓' : ' ↑') : ''}`,
          onclick: () => { desc = sorted ? !desc : c.num === true; sortKey = c.key; draw(); tbl.querySelector(`[data-k="${c.key}"] button`)?.focus(); } })
        : c.label;
      return h('th', { scope: 'col', 'data-k': c.key, class: c.num ? 'num' : null,
        'aria-sort': opts.sortable && sorted ? (desc ? 'descending' : 'ascending') : null }, label);
    }));
    const body = sorted.length ? sorted.map((r) => h('tr', null, columns.map((c, i) => {
      const v = c.text ? c.text(r) : r[c.key];
      return h(i === 0 ? 'th' : 'td', { scope: i === 0 ? 'row' : null, class: c.num ? 'num' : null }, v === null || v === undefined || v === '' ? '—' : v);
    }))) : h('tr', null, h('td', { colspan: String(columns.length), class: 'empty', text: '没有记录' }));
    tbl.replaceChildren(h('caption', { text: caption }), h('thead', null, head), h('tbody', null, body));
  };
  draw();
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption }, tbl);
}

function cmp(a, b) {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), 'zh-CN');
}

/**
 * A horizontal bar chart (the ranking), drawn as SVG; its text alternative is the table
 * beside it, and the SVG carries a title and a summary.
 * @param {string} title
 * @param {{label: string, value: number | null}[]} items
 * @param {(v: number) => string} fmt
 */
export function bars(title, items, fmt) {
  const shown = items.filter((i) => i.value !== null && i.value !== undefined)
    .sort((a, b) => /** @type {number} */ (b.value) - /** @type {number} */ (a.value));
  const max = Math.max(1, ...shown.map((i) => /** @type {number} */ (i.value)));
  const rowH = 26;
  const width = 560;
  const labelW = 130;
  const svgNS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(svgNS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${Math.max(rowH, shown.length * rowH)}`);
  svg.setAttribute('class', 'chart bars');
  svg.setAttribute('role', 'img');
  const summary = shown.map((i) => `${i.label} ${fmt(/** @type {number} */ (i.value))}`).join('，');
  svg.setAttribute('aria-label', `${title}：${summary || '没有数据'}`);
  const t = document.createElementNS(svgNS, 'title');
  t.textContent = title;
  svg.append(t);
  shown.forEach((i, n) => {
    const y = n * rowH;
    const w = Math.max(2, ((width - labelW - 70) * /** @type {number} */ (i.value)) / max);
    const label = document.createElementNS(svgNS, 'text');
    label.setAttribute('x', String(labelW - 6)); label.setAttribute('y', String(y + 17));
    label.setAttribute('text-anchor', 'end'); label.textContent = i.label;
    const rect = document.createElementNS(svgNS, 'rect');
    rect.setAttribute('x', String(labelW)); rect.setAttribute('y', String(y + 4));
    rect.setAttribute('width', String(w)); rect.setAttribute('height', String(rowH - 8));
    rect.setAttribute('rx', '3');
    const val = document.createElementNS(svgNS, 'text');
    val.setAttribute('x', String(labelW + w + 6)); val.setAttribute('y', String(y + 17));
    val.textContent = fmt(/** @type {number} */ (i.value));
    svg.append(label, rect, val);
  });
  return h('figure', { class: 'chart-box' }, h('figcaption', { text: title }), svg);
}

/**
 * A sparkline (12 months of one figure), SVG with a text alternative.
 * @param {string} label what it shows, for the accessible name
 * @param {(number | null)[]} values oldest first
 */
export function sparkline(label, values) {
  const svgNS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(svgNS, 'svg');
  const w = 120;
  const ht = 28;
  svg.setAttribute('viewBox', `0 0 ${w} ${ht}`);
  svg.setAttribute('class', 'chart spark');
  svg.setAttribute('role', 'img');
  const known = values.filter((v) => v !== null && v !== undefined);
  svg.setAttribute('aria-label', `${label}：${values.map((v) => (v === null || v === undefined ? '无' : String(round(v)))).join('、')}`);
  if (known.length) {
    const lo = Math.min(...known);
    const hi = Math.max(...known);
    const step = values.length > 1 ? (w - 4) / (values.length - 1) : 0;
    const pts = [];
    values.forEach((v, i) => {
      if (v === null || v === undefined) return;
      const y = hi === lo ? ht / 2 : ht - 3 - ((v - lo) / (hi - lo)) * (ht - 6);
      pts.push(`${(2 + i * step).toFixed(1)},${y.toFixed(1)}`);
    });
    const line = document.createElementNS(svgNS, 'polyline');
    line.setAttribute('points', pts.join(' '));
    svg.append(line);
  }
  return svg;
}

const round = (v) => Math.round(v * 10) / 10;

/** This month in China time, 'YYYY-MM'. */
export function thisMonth() {
  const d = new Date(Date.now() + 8 * 3600 * 1000);
  return d.toISOString().slice(0, 7);
}

/**
 * A month picker (input type=month) that navigates with `?month=`.
 * @param {string} month
 * @param {(month: string) => void} onPick
 */
export function monthPicker(month, onPick) {
  const input = /** @type {HTMLInputElement} */ (h('input', { type: 'month', id: 'ws-month', value: month, max: thisMonth() }));
  input.addEventListener('change', () => { if (/^\d{4}-\d{2}$/.test(input.value)) onPick(input.value); });
  return h('div', { class: 'ws-month' }, h('label', { for: 'ws-month', text: '月份' }), input);
}

/** Percent text of a 0..1 rate. */
export const pct = (v) => (v === null || v === undefined ? '—' : `${Math.round(v * 1000) / 10}%`);
/** A score with one decimal. */
export const score = (v) => (v === null || v === undefined ? '—' : String(round(v)));

/** A long generated id (a UUID) cut to what tells records apart on a screen. */
export const shortId = (id) => (String(id).length > 12 ? `${String(id).slice(0, 8)}…` : String(id));

/** Where a record of a list opens. */
export function recordHref(collection, id) {
  if (collection === 'inspections') return `#/inspection/${encodeURIComponent(id)}`;
  return `#/ws/record/${collection}/${encodeURIComponent(id)}`;
}

/**
 * The county's people by id, as the server's user list gives them ({id, username, name, …}).
 * Kept a minute per session, so a screen of rows asks once; a refusal leaves ids as they are.
 * @param {any} session
 * @returns {Promise<Map<string, any>>}
 */
async function people(session) {
  if (peopleKept.token === session.token && Date.now() - peopleKept.at < 60_000) return peopleKept.byId;
  const byId = new Map();
  try {
    for (const u of (await api(session, '/users?limit=500')).items || []) byId.set(u.id, u);
  } catch (e) {
    if (e instanceof NetworkError) throw e;
  }
  peopleKept = { token: session.token, at: Date.now(), byId };
  return byId;
}
let peopleKept = { token: '', at: 0, byId: new Map() };

/** A window as its centre names it: number and name. */
const windowText = (w) => [w.number, w.name].filter(Boolean).join(' ');

/**
 * Names for the ids records carry: centres, matters and windows from the synced reference
 * data, people from the server's user list. An id nobody knows is shown as it is.
 * @param {any} session
 */
export async function names(session) {
  const [centres, matters, byId] = await Promise.all([list('centres'), list('matters'), people(session)]);
  const centre = new Map(centres.map((c) => [c.id, c.data || {}]));
  const matter = new Map(matters.map((m) => [m.id, (m.data || {}).name]));
  return {
    /** @param {string} id */
    centre: (id) => (centre.get(id) || {}).name || id,
    /** @param {string} id */
    matter: (id) => matter.get(id) || id,
    /** @param {string} centreId @param {string} id */
    window: (centreId, id) => windowText(((centre.get(centreId) || {}).windows || {})[id] || {}) || id,
    /** @param {string} id */
    person: (id) => { const u = byId.get(id); return (u && (u.name || u.username)) || id; },
    /** the person's name with their username, to tell two of one name apart */
    user: (id, username) => { const u = byId.get(id); return u && u.name ? `${u.name}（${u.username || username}）` : username || id; },
  };
}

/**
 * A readable title for a list row's record: a case by its matter and applicant (the
 * matter is what a supervisor acts on; notes are the centre's own words), others by person
 * and content.
 * @param {any} item
 * @param {any} [n] names(), to name a case's matter
 */
export function rowTitle(item, n) {
  const d = item.data || {};
  const person = (d.applicant && d.applicant.name) || (d.complainant && d.complainant.name);
  if (item.collection === 'cases' && d.matter_id && n) {
    const matter = n.matter(d.matter_id);
    return person ? `${matter} · ${person}` : matter;
  }
  const what = d.content || d.order_text || d.reason || d.notes;
  if (person) return what ? `${person}：${String(what).slice(0, 40)}` : person;
  return d.title || d.name || what
    || enumLabel(item.collection, 'kind', d.kind || '') || item.id;
}

/**
 * A paged list from a server list/board endpoint: rows, and 加载更多 while `next`.
 * @param {any} session
 * @param {string} path endpoint with its query (without cursor)
 * @param {(item: any) => HTMLElement} row
 * @param {string} label the list's accessible name
 * @param {string} [key] the body's array ('items')
 */
export async function pagedList(session, path, row, label, key = 'items') {
  const ul = h('ul', { class: 'ws-list', 'aria-label': label });
  const more = /** @type {HTMLButtonElement} */ (h('button', { class: 'btn more', type: 'button', text: '加载更多' }));
  const load = async (cursor) => {
    const sep = path.includes('?') ? '&' : '?';
    const body = await api(session, cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path);
    for (const item of body[key] || []) ul.append(row(item));
    if (!ul.children.length) ul.append(h('li', { class: 'empty', text: '没有记录' }));
    more.hidden = !body.next;
    more.onclick = () => load(body.next).catch((err) => { more.textContent = `加载失败：${err.message}`; });
  };
  await load(null);
  return h('div', null, ul, more);
}

/**
 * A list row: title linking to the record, its township, status and a due/at time.
 * @param {any} item {collection, id, centre_name, data, due?, overdue?}
 * @param {any} [extra] more content
 * @param {any} [n] names(), for titles that name a matter
 */
export function recordRow(item, extra, n) {
  const d = item.data || {};
  const status = d.status ? enumLabel(item.collection, 'status', d.status) || d.status : '';
  return h('li', { class: 'ws-row', 'data-id': item.id },
    h('a', { href: recordHref(item.collection, item.id), class: 'ws-row-title', text: String(rowTitle(item, n)) }),
    h('span', { class: 'chip town', text: item.centre_name || item.centre_id || '' }),
    status ? h('span', { class: 'chip', text: status }) : null,
    item.overdue ? h('span', { class: 'chip bad', text: '已超期' }) : null,
    item.due ? h('span', { class: 'hint', text: `期限 ${fmtTime(item.due)}` }) : null,
    extra);
}

/**
 * An edit made from a server list: an op in the outbox (based on the version the list
 * showed), sent at once; the same path a phone's edit takes.
 * @param {string} collection
 * @param {string} id
 * @param {number} version
 * @param {Record<string, any>} set
 * @returns {Promise<'sent' | 'queued'>} sent (the server took it) or queued (offline, sent later)
 */
export async function sendEdit(collection, id, version, set) {
  const op = await edit(collection, id, set, { base: version });
  await kick('manual');
  const left = (await outbox()).find((o) => o.id === op.id);
  if (!left) return 'sent';
  if (left.state === 'rejected') throw new Error(`服务器退回：${reasonText(collection, left.error || {})}`);
  return 'queued';
}
