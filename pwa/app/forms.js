/**
 * What every record form shares: turning the form's values into the changed paths of an
 * op, and showing what is wrong at each field. A new screen's form uses both, so all forms
 * decide "what changed" the same way and show errors the same way:
 *   - each message sits under its field, tied to it (aria-invalid + aria-describedby);
 *   - focus moves to the first invalid field (scrolled clear of the sticky bars), so the
 *     message is read once, as that field's description; only problems no field shows go
 *     to the form's alert line.
 */

import { getPath } from './store.js';

const none = (x) => x === null || x === undefined || x === '' || (Array.isArray(x) && !x.length);

/**
 * The paths whose value differs from the stored record (all non-empty values for a new
 * record, whose `data` is {}). Empty is empty: '', null, undefined and [] are equal.
 * @param {Record<string, any>} values dotted path -> value the form holds
 * @param {any} data the record's current (merged) data
 * @param {{minutes?: string[]}} [opts] time paths the form shows to the minute: seconds on
 *   the server are not an edit
 * @returns {Record<string, any>}
 */
export function changedPaths(values, data, opts = {}) {
  /** @type {Record<string, any>} */
  const set = {};
  for (const [path, value] of Object.entries(values)) {
    let old = getPath(data, path);
    if ((opts.minutes || []).includes(path) && typeof old === 'number') old = Math.floor(old / 60000) * 60000;
    if (none(value) && none(old)) continue;
    if (JSON.stringify(value ?? null) !== JSON.stringify(old ?? null)) set[path] = none(value) ? null : value;
  }
  return set;
}

/**
 * A control's error line (made by ui.field: `.field > .error`).
 * @param {Element} control
 */
export function errorLine(control) {
  const wrap = control.closest('.field');
  return wrap ? wrap.querySelector(':scope > .error') : null;
}

/**
 * Clear every message a previous attempt showed.
 * @param {HTMLFormElement} form
 * @param {HTMLElement} alertLine
 */
export function clearProblems(form, alertLine) {
  for (const el of form.querySelectorAll('[aria-invalid="true"]')) {
    el.removeAttribute('aria-invalid');
    const line = errorLine(el);
    if (line) {
      line.textContent = '';
      const rest = (el.getAttribute('aria-describedby') || '').split(' ').filter((x) => x && x !== line.id);
      if (rest.length) el.setAttribute('aria-describedby', rest.join(' '));
      else el.removeAttribute('aria-describedby');
    }
  }
  alertLine.textContent = '';
}

/**
 * Put `message` on a control's error line and tie the line to it (aria-invalid +
 * aria-describedby), so it is read as the control's description.
 * @param {Element} control
 * @param {Element} line the control's error line (errorLine)
 * @param {string} message
 */
export function markProblem(control, line, message) {
  line.textContent = message;
  control.setAttribute('aria-invalid', 'true');
  const ids = (control.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
  if (line.id && !ids.includes(line.id)) control.setAttribute('aria-describedby', [...ids, line.id].join(' '));
}

/**
 * Show problems at their fields (controls found by `name` = path) and move focus to the
 * first one; problems without a field go to `alertLine` (role=alert).
 * @param {HTMLFormElement} form
 * @param {{path: string, message: string}[]} problems
 * @param {HTMLElement} alertLine
 */
export function showProblems(form, problems, alertLine) {
  clearProblems(form, alertLine);
  const loose = [];
  /** @type {HTMLElement[]} */
  const marked = [];
  for (const p of problems) {
    const control = /** @type {HTMLElement | null} */ (form.querySelector(`[name="${CSS.escape(p.path)}"]`));
    const line = control && errorLine(control);
    if (!control || !line) {
      loose.push(p.message);
      continue;
    }
    markProblem(control, line, line.textContent ? `${line.textContent}；${p.message}` : p.message);
    marked.push(control);
  }
  alertLine.textContent = loose.join('；');
  const first = marked.sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1))[0];
  if (first) {
    first.focus({ preventScroll: true });
    first.scrollIntoView({ block: 'center' });
  }
}
