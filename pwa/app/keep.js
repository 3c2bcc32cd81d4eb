/**
 * What a person is in the middle of on a live screen, kept across a background redraw.
 *
 * Live screens are rebuilt whenever a sync brings new data (router.refresh). Without this a
 * half-typed hand-over, an opened fold or a message under a field would vanish under the
 * person's thumb. Before a redraw of the same screen the router takes a snapshot of the old
 * one; after it, the snapshot is laid onto the new one, matched by position and name:
 *   - folds (<details>) keep their open state;
 *   - fields the person has typed in since the screen was drawn (or since the form last
 *     saved) keep their values; fields not touched show the new data;
 *   - the messages under fields and the form's alert line stay until the next attempt;
 *   - focus stays on the same field, with its caret, or on the same link (by its target) or
 *     button (by its class and words; 显示更多 by its class): a keyboard on 显示更多 or on a
 *     row keeps its place, and never lands on another action that merely looks the same;
 *   - a long list (lazyList) holds the rows the person had scrolled to, not its first page
 *     again, and the row at the top of the screen stays where it was (keepRows, anchor).
 * A submitted form is settled, so the redraw after a save shows the stored values; a
 * recordForm settles only when its save succeeded (a refused attempt keeps its input).
 */

import { errorLine, markProblem } from './forms.js';
import { fillList } from './ui.js';

const CONTROLS = 'input, textarea, select';

/** @param {Event} e */
function mark(e) {
  const el = /** @type {HTMLElement} */ (e.target);
  if (el && el.matches && el.matches(CONTROLS)) el.dataset.touched = '1';
}

/**
 * Start noting which fields the person types in (once, on the element holding the screens).
 * @param {HTMLElement} main
 */
export function watch(main) {
  main.addEventListener('input', mark, true);
  main.addEventListener('change', mark, true);
  // Removing a screen blurs its focused field, and the browser then fires `change` for what
  // was typed in it: a redraw would run a half-typed search. A redraw keeps the field
  // (restore, which owes the change to the new one: oweChange); the router marks the screen
  // it replaces so (data-leaving), and that change is not the person's.
  main.addEventListener('change', (e) => {
    const el = /** @type {HTMLElement} */ (e.target);
    if (el && el.closest && el.closest('[data-leaving]')) e.stopImmediatePropagation();
  }, true);
  // A submitted form's values are on their way to the store or the server: the redraw that
  // follows shows what was stored. Forms that settle only on success (recordForm, which keeps
  // a refused attempt's input) say so with data-settles.
  main.addEventListener('submit', (e) => {
    const form = /** @type {HTMLFormElement} */ (e.target);
    if (form && !form.dataset.settles) settle(form);
  }, true);
}

/**
 * A form was saved: its fields now hold what is stored, so a redraw may replace them.
 * @param {HTMLFormElement} form
 */
export function settle(form) {
  for (const el of form.querySelectorAll('[data-touched]')) delete /** @type {HTMLElement} */ (el).dataset.touched;
}

/**
 * Keys of elements by position among their like: `summary text#n` for folds, `form#n/name#m`
 * for controls (the nth form of the screen, the mth control of that name in it), `page/name#m`
 * for controls outside a form.
 * @param {ParentNode} root
 */
function keyed(root) {
  /** @type {Map<string, HTMLDetailsElement>} */
  const folds = new Map();
  /** @type {Map<string, HTMLElement>} */
  const controls = new Map();
  const seen = new Map();
  const nth = (k) => {
    const n = seen.get(k) || 0;
    seen.set(k, n + 1);
    return `${k}#${n}`;
  };
  for (const d of root.querySelectorAll('details')) {
    const s = d.querySelector(':scope > summary');
    folds.set(nth(`fold:${s ? s.textContent : ''}`), /** @type {HTMLDetailsElement} */ (d));
  }
  root.querySelectorAll('form').forEach((form, i) => {
    for (const el of form.querySelectorAll(CONTROLS)) {
      const c = /** @type {HTMLInputElement} */ (el);
      controls.set(nth(`form${i}/${c.name || c.id || c.type}`), c);
    }
  });
  // Fields outside any form (a list's search box) are kept too.
  for (const el of root.querySelectorAll(CONTROLS)) {
    const c = /** @type {HTMLInputElement} */ (el);
    if (!c.form && !c.closest('form')) controls.set(nth(`page/${c.name || c.getAttribute('aria-label') || c.id || c.type}`), c);
  }
  return { folds, controls };
}

/**
 * What to carry over from the screen about to be replaced.
 * @param {ParentNode} root
 */
export function snapshot(root) {
  const { folds, controls } = keyed(root);
  const open = [...folds].map(([k, d]) => [k, d.open]);
  const fields = [];
  const problems = [];
  let focus = null;
  for (const [k, el] of controls) {
    const c = /** @type {HTMLInputElement} */ (el);
    if (c.dataset.touched) fields.push([k, { value: c.value, checked: c.checked }]);
    const line = errorLine(c);
    if (c.getAttribute('aria-invalid') === 'true' && line) problems.push([k, line.textContent]);
    if (c === document.activeElement) {
      let caret = null;
      try { caret = [c.selectionStart, c.selectionEnd]; } catch { /* not a text field */ }
      focus = [k, caret];
    }
  }
  if (!focus) focus = pressable(root, document.activeElement);
  const alerts = [...root.querySelectorAll('form')].map((f) => f.querySelector(':scope > [role="alert"]')?.textContent || '');
  return { open, fields, problems, alerts, focus };
}

const PRESSABLE = 'a[href], button';

/**
 * The focus key of a link or button of `root` (null for anything else): a link by its
 * target, a button by its class and text (a list's 显示更多, whose text changes as rows
 * load, by its class; one with a data-k, or in a th with one, by that); `#n` tells apart
 * the nth of the same key.
 * @param {ParentNode} root
 * @param {Element | null} el
 * @returns {[string, null] | null}
 */
function pressable(root, el) {
  if (!el || !el.matches || !el.matches(PRESSABLE) || !root.contains(el)) return null;
  for (const [key, other] of pressKeys(root)) if (other === el) return [key, null];
  return null;
}

/**
 * The links and buttons of `root` by their focus keys (pressable), in document order.
 * @param {ParentNode} root
 * @returns {Generator<[string, HTMLElement]>}
 */
function* pressKeys(root) {
  const seen = new Map();
  for (const el of root.querySelectorAll(PRESSABLE)) {
    const e = /** @type {HTMLElement} */ (el);
    // A button by its class and words: two actions that look alike (放弃此更改 and 退出登录,
    // both `btn danger`) are not one. The list's 显示更多 by its class alone (its words count
    // down); one that names itself (data-k, or a sortable column's th: its words carry the
    // sort's arrow, its class a switch's state) by that name.
    const th = e.parentElement && e.parentElement.tagName === 'TH' ? e.parentElement : null;
    const named = e.dataset.k || (th && th.dataset.k);
    const k = e.tagName === 'A' ? `a ${e.getAttribute('href')}`
      : e.classList.contains('more') ? `button ${e.className}`
        : named ? `button @${named}` : `button ${e.className} ${e.textContent}`;
    const n = seen.get(k) || 0;
    seen.set(k, n + 1);
    yield [`press:${k}#${n}`, e];
  }
}

/**
 * Lay a snapshot onto the redrawn screen; keys that no longer match are skipped.
 * @param {ParentNode} root
 * @param {ReturnType<typeof snapshot>} snap
 */
export function restore(root, snap) {
  const { folds, controls } = keyed(root);
  for (const [k, open] of snap.open) {
    const d = folds.get(k);
    if (d) d.open = /** @type {boolean} */ (open);
  }
  for (const [k, v] of snap.fields) {
    const c = /** @type {HTMLInputElement | undefined} */ (controls.get(k));
    if (!c) continue;
    if (c.type === 'checkbox' || c.type === 'radio') c.checked = v.checked;
    else if (c.type !== 'file') {
      const drawn = c.value;
      c.value = v.value;
      // A search box that searches as the person types searches what they typed again (before
      // oweChange: this input event is not the person typing).
      if (c.value !== drawn && c.type === 'search') c.dispatchEvent(new Event('input', { bubbles: true }));
      if (c.value !== drawn && c.tagName !== 'SELECT') oweChange(c, drawn);
    }
    c.dataset.touched = '1';
  }
  for (const [k, message] of snap.problems) {
    const c = controls.get(k);
    const line = c && errorLine(c);
    if (c && line) markProblem(c, line, message);
  }
  root.querySelectorAll('form').forEach((f, i) => {
    const line = f.querySelector(':scope > [role="alert"]');
    if (line && snap.alerts[i]) line.textContent = snap.alerts[i];
  });
  if (snap.focus && snap.focus[0].startsWith('press:')) {
    for (const [key, el] of pressKeys(root)) {
      if (key === snap.focus[0]) { el.focus({ preventScroll: true }); break; }
    }
  } else if (snap.focus) {
    const c = /** @type {HTMLInputElement | undefined} */ (controls.get(snap.focus[0]));
    if (c) {
      c.focus({ preventScroll: true });
      const caret = snap.focus[1];
      if (caret && caret[0] !== null) {
        try { c.setSelectionRange(caret[0], caret[1]); } catch { /* not a text field */ }
      }
    }
  }
}

/**
 * A text field given back its typed value by a redraw. The browser fires `change` only for
 * what was typed into this element, so the value set here would never fire it: a search typed
 * before a sync redrew the list would do nothing on Enter. The field fires it itself on Enter
 * or when left, unless the person typed in it again (then the browser does).
 * @param {HTMLInputElement} c
 * @param {string} drawn the value the redraw drew
 */
function oweChange(c, drawn) {
  const done = () => {
    c.removeEventListener('keydown', onKey);
    c.removeEventListener('blur', left);
    c.removeEventListener('input', done);
  };
  // A field removed while focused (the next redraw) blurs too: that is not the person leaving.
  const left = () => queueMicrotask(() => { if (c.isConnected) fire(); else done(); });
  function fire() {
    done();
    if (c.value !== drawn) c.dispatchEvent(new Event('change', { bubbles: true }));
  }
  /** @param {KeyboardEvent} e */
  function onKey(e) {
    if (e.key === 'Enter' && c.tagName !== 'TEXTAREA') fire();
  }
  c.addEventListener('keydown', onKey);
  c.addEventListener('blur', left);
  c.addEventListener('input', done);
}

/**
 * The long lists (lazyList's `ul.list`) of a screen by position among lists of the same label.
 * @param {ParentNode} root
 */
function lists(root) {
  /** @type {Map<string, Element>} */
  const out = new Map();
  const seen = new Map();
  for (const ul of root.querySelectorAll('ul.list')) {
    const k = ul.getAttribute('aria-label') || '';
    const n = seen.get(k) || 0;
    seen.set(k, n + 1);
    out.set(`${k}#${n}`, ul);
  }
  return out;
}

/** The link of a list row (rows link to their record). */
const hrefOf = (li) => li.querySelector(':scope > a[href]')?.getAttribute('href') || null;

/**
 * Load into the redrawn screen `next` (not shown yet) as many rows of each long list as the
 * screen `old` shows, and the last of them: a person far down a list is not thrown back to
 * its first page by a sync. Resolves true when it loaded any (the person may have scrolled
 * further meanwhile: call again until false).
 * @param {ParentNode} old
 * @param {ParentNode} next
 */
export async function keepRows(old, next) {
  const now = lists(next);
  const loads = [...lists(old)].map(([k, ul]) => {
    const into = now.get(k);
    const rows = ul.querySelectorAll(':scope > li');
    // Rows still loading in the old list (显示更多 tapped, or scrolled to the end) count too.
    const n = Math.max(rows.length, Number(/** @type {HTMLElement} */ (ul).dataset.wants || 0));
    return into ? fillList(into, n, rows.length ? hrefOf(rows[rows.length - 1]) : null) : false;
  });
  return (await Promise.all(loads)).some(Boolean);
}

/**
 * The list row at the top of the screen (the first one not scrolled past) and where it stands,
 * or null at the top of the page or with no list row in view.
 * @param {ParentNode} root
 * @returns {{href: string, top: number} | null}
 */
export function anchor(root) {
  if (window.scrollY <= 0) return null;
  for (const li of root.querySelectorAll('ul.list > li')) {
    const box = li.getBoundingClientRect();
    if (box.bottom <= 0) continue;
    if (box.top >= window.innerHeight) return null;
    const href = hrefOf(li);
    return href ? { href, top: box.top } : null;
  }
  return null;
}

/**
 * Scroll the redrawn screen so the row that was at the top of the screen stands where it stood
 * (rows a sync added above it would otherwise push it down).
 * @param {ParentNode} root
 * @param {{href: string, top: number} | null} at
 */
export function realign(root, at) {
  if (!at) return;
  const li = [...root.querySelectorAll('ul.list > li')].find((el) => hrefOf(el) === at.href);
  if (li) window.scrollBy(0, li.getBoundingClientRect().top - at.top);
}
