/**
 * Small DOM helpers shared by the views: element building (text is always set as text,
 * never parsed as HTML), form fields with labels, dates in Chinese, toasts.
 */

/**
 * Make an element. `attrs`: class, text, html-free attributes, on* handlers, dataset via data-*.
 * @param {string} tag
 * @param {Record<string, any> | null} [attrs]
 * @param {...any} children strings, nodes, arrays, null/false (skipped)
 * @returns {HTMLElement}
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value') /** @type {any} */ (el).value = v;
    else if (k === 'checked' || k === 'selected' || k === 'disabled') /** @type {any} */ (el)[k] = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

/**
 * Append children (strings, nodes, arrays; null/false skipped) to an element.
 * @param {HTMLElement} el
 * @param {...any} children
 */
export function add(el, ...children) {
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

let idCounter = 0;
/** A fresh element id (labels need them). */
export const newId = (prefix = 'f') => `${prefix}-${(idCounter += 1)}`;

/**
 * A labelled form field: <label> + control (+ hint). Returns {wrap, input}.
 * @param {string} label visible label (also the accessible name)
 * @param {HTMLElement} input the control
 * @param {string} [hint]
 */
export function field(label, input, hint) {
  if (!input.id) input.id = newId();
  const hintEl = hint ? h('p', { class: 'hint', id: `${input.id}-hint`, text: hint }) : null;
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id);
  // The error line is filled by forms.showProblems, which ties it to the input and moves
  // focus there: no live region, so the message is announced once.
  const wrap = h('div', { class: 'field' }, h('label', { for: input.id, text: label }), input,
    hintEl, h('p', { class: 'error', id: `${input.id}-error` }));
  return { wrap, input };
}

/**
 * A <select> with Chinese labels.
 * @param {[string, string][]} options [value, label]
 * @param {string} [value]
 * @param {boolean} [empty] include an empty first choice
 */
export function select(options, value, empty = true) {
  return h('select', null, empty ? h('option', { value: '', text: '请选择' }) : null,
    options.map(([v, l]) => h('option', { value: v, text: l, selected: v === value })));
}

const pad = (n) => String(n).padStart(2, '0');

/** 11月22日 14:05 (with the year when it is not this year). */
export function fmtTime(ms) {
  if (!ms) return '';
  const d = new Date(ms);
  const year = d.getFullYear() !== new Date().getFullYear() ? `${d.getFullYear()}年` : '';
  return `${year}${d.getMonth() + 1}月${d.getDate()}日 ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** 2026-11-22 */
export function fmtDate(ms) {
  if (!ms) return '';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** HH:MM today, else the date and time. */
export function fmtShort(ms) {
  if (!ms) return '';
  const d = new Date(ms);
  return sameDay(ms, Date.now()) ? `${pad(d.getHours())}:${pad(d.getMinutes())}` : fmtTime(ms);
}

/** Whether two times fall on the same local day. */
export function sameDay(a, b) {
  const x = new Date(a);
  const y = new Date(b);
  return x.getFullYear() === y.getFullYear() && x.getMonth() === y.getMonth() && x.getDate() === y.getDate();
}

/** A datetime-local input's value for ms, and back. */
export const toLocalInput = (ms) => {
  if (!ms) return '';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
};
export const fromLocalInput = (v) => (v ? new Date(v).getTime() : null);

/**
 * Show a short message at the bottom of the screen.
 * @param {string} message
 * @param {'info'|'error'} [kind]
 */
export function toast(message, kind = 'info') {
  const box = document.getElementById('toast');
  if (!box) return;
  box.textContent = message;
  box.className = `toast show ${kind}`;
  clearTimeout(/** @type {any} */ (box).timer);
  /** @type {any} */ (box).timer = setTimeout(() => { box.className = 'toast'; }, 3500);
}

/** Mask an ID number for lists (privacy on a phone shown to others). */
export const maskId = (s) => (s && s.length > 8 ? `${s.slice(0, 4)}${'*'.repeat(s.length - 8)}${s.slice(-4)}` : s || '');

/**
 * The lists lazyList drew, each with how to load its rows up to a count: a redraw of the
 * screen (a background sync) loads what the person had scrolled to (keep.js keepRows).
 * @type {WeakMap<Element, (n: number, last: string | null) => Promise<boolean>>}
 */
const fillers = new WeakMap();

/**
 * Load a lazyList's rows (a list element `ul.list` it drew, not yet shown) until it holds `n`
 * rows and the row linking to `last`, one page past `n` at most (rows a sync put above it
 * push it down). Resolves true when it loaded any.
 * @param {Element} ul
 * @param {number} n
 * @param {string | null} last the href of the last row shown before
 */
export function fillList(ul, n, last) {
  const fill = fillers.get(ul);
  return fill ? fill(n, last) : Promise.resolve(false);
}

/**
 * A list that renders its first rows at once and the rest as the person scrolls (or taps
 * 显示更多, for keyboards and screen readers), so 10,000 records cost the same as 50.
 * `items` is an array, or a paged source (store.listPage): {total, first, more(n)}.
 * @template T
 * @param {T[] | {total: number, first: T[], more: (n: number) => Promise<T[]>}} items
 * @param {(item: T) => HTMLElement} row
 * @param {{empty?: string, page?: number, label?: string}} [opts]
 */
export function lazyList(items, row, opts = {}) {
  const size = opts.page || 50;
  const source = Array.isArray(items) ? null : items;
  const total = source ? source.total : /** @type {T[]} */ (items).length;
  if (!total) return h('p', { class: 'empty', text: opts.empty || '暂无记录' });
  const ul = h('ul', { class: 'list', 'aria-label': opts.label || null });
  let shown = 0;
  let loading = false;
  const wrap = h('div', null, ul);
  const more = h('button', { class: 'btn more', type: 'button' });
  // Near the end of the list (within a screen of it), the next rows load by themselves.
  const near = typeof IntersectionObserver === 'function'
    ? new IntersectionObserver((seen) => { if (seen.some((e) => e.isIntersecting)) next(); }, { rootMargin: '0px 0px 600px 0px' })
    : null;
  const show = (rows) => {
    const frag = document.createDocumentFragment();
    for (const item of rows) frag.append(row(item));
    ul.append(frag);
    shown += rows.length;
    if (shown < total && rows.length) {
      more.textContent = `显示更多（还有 ${total - shown} 条）`;
      // Observe again: a list still too short to fill the screen keeps loading.
      if (near) { near.unobserve(more); near.observe(more); }
    } else {
      if (near) near.disconnect();
      more.remove();
    }
  };
  async function next() {
    if (loading || !more.isConnected) return;
    loading = true;
    // What the person asked for, while it loads: a redraw meanwhile (a sync) replaces this
    // list, and loads as many rows into the new one (keep.js keepRows), or the tap is lost.
    ul.dataset.wants = String(shown + size);
    try {
      show(source ? await source.more(size) : /** @type {T[]} */ (items).slice(shown, shown + size));
    } catch (err) {
      toast(`未能读取更多记录：${err.message || err}`, 'error');
    } finally {
      loading = false;
      delete ul.dataset.wants;
    }
  }
  more.addEventListener('click', next);
  wrap.append(more);
  show(source ? source.first : /** @type {T[]} */ (items).slice(0, size));
  const has = (href) => [...ul.querySelectorAll(':scope > li > a[href]')].some((a) => a.getAttribute('href') === href);
  fillers.set(ul, async (n, last) => {
    if (loading) return false;
    loading = true;
    const before = shown;
    try {
      // Runs before the screen is shown (more is not connected yet, so next() would not).
      while (shown < total && (shown < n || (last && !has(last) && shown < n + size))) {
        const want = Math.max(n - shown, 0) || size;
        const rows = source ? await source.more(want) : /** @type {T[]} */ (items).slice(shown, shown + want);
        if (!rows.length) break;
        show(rows);
      }
    } finally {
      loading = false;
    }
    return shown > before;
  });
  return wrap;
}
