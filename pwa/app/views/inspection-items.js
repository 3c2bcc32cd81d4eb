/**
 * One rubric item on the inspection screen, with large controls for one thumb:
 *   deduct_each / deduct_per_incident / bonus without tiers: a −/+ counter (count);
 *   proportional / bonus with tiers: a number field (value);
 *   rating: a five-level picker; veto: a switch that asks before it vetoes;
 * and on every item an N/A toggle, a note and photos. Each change calls `onChange` with the
 * op's paths (the screen saves it at once). A returned inspection's comment pinned to the
 * item and the server's reason for a refused answer are shown on the item.
 */

import { h, newId, toast } from '../ui.js';
import { ratings } from '../schema.js';
import { photoButton, takePhoto } from './signature.js';
import { attachmentImg, screenUrl } from './common.js';

/** What each rule asks, in the words of the forms. */
export const RULE_TEXT = {
  deduct_each: '每处扣分', deduct_per_incident: '每次扣分', proportional: '按比例得分', rating: '满意度评价',
  bonus: '加分', veto: '一票否决',
};

/** Whether an item may be answered N/A (rubric.js: deduction items, unless `na: false`). */
export const naAllowed = (item) => (item.rule === 'deduct_each' || item.rule === 'deduct_per_incident') && item.na !== false;

/** The answer field an item's rule takes (as rubric.js decides). */
export const answerKey = (item) => (item.rule === 'bonus' ? (item.tiers ? 'value' : 'count')
  : { deduct_each: 'count', deduct_per_incident: 'count', proportional: 'value', rating: 'rating', veto: 'vetoed' }[item.rule]);

const fmt = (n) => (Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/0$/, ''));

/** The points an item is worth, said briefly. */
function worth(item) {
  if (item.rule === 'veto') return '出现即整体否决';
  if (item.rule === 'rating' || item.rule === 'proportional') return `${fmt(item.points)} 分`;
  const per = item.per !== undefined ? `每处 ${fmt(item.per)} 分` : '';
  const cap = item.cap !== undefined ? `，最多 ${fmt(item.cap)} 分` : '';
  return `${per}${cap}`;
}

/**
 * Ask before a veto (a modal <dialog>: focus stays in it, Esc cancels).
 * @param {string} text the item's text
 * @returns {Promise<boolean>}
 */
export function confirmVeto(text) {
  return new Promise((resolve) => {
    const title = newId('veto-title');
    const yes = h('button', { type: 'button', class: 'btn danger', text: '确认否决' });
    const no = h('button', { type: 'button', class: 'btn', text: '取消' });
    const dlg = /** @type {HTMLDialogElement} */ (h('dialog', { class: 'confirm', 'aria-labelledby': title },
      h('h2', { id: title, text: '确认一票否决？' }),
      h('p', { text: `“${text}”：否决后本次检查总分作废。` }),
      h('div', { class: 'actions' }, no, yes)));
    const done = (answer) => { dlg.close(); dlg.remove(); resolve(answer); };
    yes.addEventListener('click', () => done(true));
    no.addEventListener('click', () => done(false));
    dlg.addEventListener('cancel', (e) => { e.preventDefault(); done(false); });
    document.body.append(dlg);
    dlg.showModal();
    no.focus();
  });
}

/**
 * The item's block.
 * @param {any} item template item
 * @param {any} answer the stored answer ({} when none)
 * @param {{onChange: (set: Record<string, any>, blobs?: any[]) => Promise<void>, readOnly?: boolean,
 *   token?: string, pinned?: string, problems?: string[]}} opts
 */
export function itemBlock(item, answer, opts) {
  const a = { ...(answer || {}) };
  const key = answerKey(item);
  const base = `items.${item.id}`;
  const ro = !!opts.readOnly;
  const titleId = newId('item');
  /** After a redraw, keep the focus in the control (on the same button when it is still there). */
  const refocus = (k) => {
    if (control.contains(document.activeElement)) return;
    const el = /** @type {HTMLElement | null} */ (control.querySelector(`[data-k="${k}"]:not(:disabled):not([hidden])`)
      || control.querySelector('button:not(:disabled):not([hidden]), input:not(:disabled)'));
    if (el) el.focus();
  };
  const change = (set, blobs) => {
    for (const [p, v] of Object.entries(set)) {
      const k = p.slice(base.length + 1);
      if (v === null) delete a[k]; else a[k] = v;
    }
    const active = /** @type {HTMLElement | null} */ (document.activeElement);
    const k = active && control.contains(active) ? active.dataset.k : null;
    draw();
    if (k) refocus(k);
    return opts.onChange(set, blobs);
  };
  const control = h('div', { class: 'answer' });
  const naBox = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', id: newId('na'), checked: !!a.na, disabled: ro }));
  naBox.addEventListener('change', () => change({ [`${base}.na`]: naBox.checked || null }));

  // Each control is built once and updated in place on a tap (`update`): a tap on a rubric
  // of 120 items touches this item and the score bar, nothing else.
  function counter() {
    const now = () => (typeof a.count === 'number' ? a.count : null);
    const show = h('span', { class: 'count', 'aria-live': 'polite' });
    const minus = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'btn step', 'data-k': 'minus', text: '−',
      'aria-label': `减少：${item.text}`, onclick: () => { const v = now(); change({ [`${base}.${key}`]: v === null ? 0 : Math.max(0, v - 1) }); } }));
    const plus = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'btn step', 'data-k': 'plus', text: '+',
      'aria-label': `增加：${item.text}`, onclick: () => { const v = now(); change({ [`${base}.${key}`]: v === null ? 1 : v + 1 }); } }));
    const none = ro ? null : h('button', { type: 'button', class: 'btn small', text: '无问题', 'data-k': 'none',
      'aria-label': `无问题：${item.text}`, onclick: () => change({ [`${base}.${key}`]: 0 }) });
    const el = h('div', { class: 'counter', role: 'group', 'aria-labelledby': titleId },
      minus, show, plus, none, h('span', { class: 'hint', text: key === 'count' && item.rule === 'bonus' ? '项' : '处' }));
    const update = () => {
      const v = now();
      const text = v === null ? '未评' : String(v);
      if (show.textContent !== text) show.textContent = text;
      minus.disabled = ro || !!a.na || v === 0;
      plus.disabled = ro || !!a.na || v === 10000;
      if (none) none.hidden = v !== null || !!a.na;
    };
    update();
    return { el, update };
  }

  function number() {
    const input = /** @type {HTMLInputElement} */ (h('input', { type: 'number', inputmode: 'decimal', min: '0', step: 'any',
      name: `${base}.value`, value: typeof a.value === 'number' ? String(a.value) : '', disabled: ro || a.na }));
    input.addEventListener('change', () => {
      const raw = input.value.trim();
      const n = raw === '' ? null : Number(raw);
      if (n !== null && (!Number.isFinite(n) || n < 0)) {
        toast('请输入不小于 0 的数字', 'error');
        return;
      }
      change({ [`${base}.value`]: n });
    });
    const lab = h('label', { for: input.id || (input.id = newId('val')),
      text: item.target !== undefined ? `实测值（目标 ${fmt(item.target)}）` : '实测值' });
    // The field holds what was typed: nothing to redraw.
    return { el: h('div', { class: 'measure' }, lab, input), update: () => {} };
  }

  function picker() {
    const name = newId('rating');
    const levels = ratings();
    const radios = levels.map((r) => /** @type {HTMLInputElement} */ (h('input', { type: 'radio', name, value: r.value,
      checked: a.rating === r.value, disabled: ro || a.na, onchange: () => change({ [`${base}.rating`]: r.value }) })));
    const el = h('fieldset', { class: 'levels' }, h('legend', { text: '评价' }),
      levels.map((r, i) => h('label', { class: 'level' }, radios[i], h('span', { text: r.label || r.value }))));
    return { el, update: () => { for (const r of radios) r.checked = a.rating === r.value; } };
  }

  function veto() {
    const on = a.vetoed === true;
    const sw = h('button', { type: 'button', role: 'switch', 'data-k': 'switch', class: `btn switch${on ? ' on' : ''}`, 'aria-checked': String(on),
      'aria-labelledby': titleId, disabled: ro || a.na, text: on ? '已否决' : (a.vetoed === false ? '未发现' : '未评') });
    sw.addEventListener('click', async () => {
      if (on) {
        await change({ [`${base}.vetoed`]: false });
        return;
      }
      if (await confirmVeto(item.text)) await change({ [`${base}.vetoed`]: true });
      refocus('switch');
    });
    const clear = a.vetoed === undefined && !ro && !a.na
      ? h('button', { type: 'button', class: 'btn small', text: '未发现', 'data-k': 'clear', 'aria-label': `未发现：${item.text}`,
        onclick: () => change({ [`${base}.vetoed`]: false }) }) : null;
    // Rare and asks first: rebuilt on every change (update: null).
    return { el: h('div', { class: 'counter' }, sw, clear), update: null };
  }

  const note = /** @type {HTMLTextAreaElement} */ (h('textarea', { rows: 2, name: `${base}.note`, value: a.note || '', disabled: ro,
    placeholder: '说明（可选）' }));
  note.addEventListener('change', () => change({ [`${base}.note`]: note.value.trim() || null }));
  note.id = newId('note');
  const thumbs = h('div', { class: 'thumbs' });
  /** Photos taken on this screen: shown from memory until they are in the store. */
  const fresh = new Map();
  const drawThumbs = () => thumbs.replaceChildren(...(a.photos || []).map((sha, i) => h('figure', { class: 'thumb-wrap' },
    fresh.has(sha) ? h('img', { class: 'thumb', alt: `${item.text} 照片 ${i + 1}`, src: fresh.get(sha) })
      : attachmentImg(sha, `${item.text} 照片 ${i + 1}`, opts.token),
    ro ? null : h('button', { type: 'button', class: 'x', 'aria-label': `删除照片 ${i + 1}`, text: '×',
      onclick: () => change({ [`${base}.photos`]: (a.photos || []).filter((s) => s !== sha) }) }))));
  const pick = ro ? null : photoButton('拍照', newId('photo'), async (files) => {
    const shots = [];
    for (const f of files) {
      try {
        shots.push(await takePhoto(f));
      } catch (err) {
        toast(`无法读取照片：${err.message}`, 'error');
      }
    }
    const list = [...(a.photos || [])];
    for (const s of shots) {
      if (list.includes(s.sha)) continue;
      list.push(s.sha);
      fresh.set(s.sha, screenUrl(new Blob([s.data], { type: s.type })));
    }
    if (shots.length) await change({ [`${base}.photos`]: list }, shots);
  });
  if (pick) pick.button.setAttribute('aria-label', `拍照：${item.text}`);

  const box = h('section', { class: 'rubric-item', 'data-item': item.id, 'aria-labelledby': titleId });
  /** @type {{el: HTMLElement, update: null | (() => void), na: boolean} | null} */
  let shown = null;
  /** @type {any} */
  let shownPhotos;
  function draw() {
    const na = !!a.na;
    if (shown && shown.na === na && shown.update) shown.update();
    else {
      const made = na ? { el: h('p', { class: 'hint', text: '本项不适用，不计分' }), update: () => {} }
        : key === 'count' ? counter() : key === 'value' ? number() : key === 'rating' ? picker() : veto();
      shown = { ...made, na };
      control.replaceChildren(made.el);
    }
    if (box.classList.contains('vetoed') !== (a.vetoed === true)) box.classList.toggle('vetoed', a.vetoed === true);
    if (a.photos !== shownPhotos) {
      shownPhotos = a.photos;
      drawThumbs();
    }
  }
  draw();
  add(box,
    h('h3', { id: titleId, text: item.text || item.id }),
    h('p', { class: 'hint', text: `${RULE_TEXT[item.rule] || ''} · ${worth(item)}` }),
    opts.pinned ? h('p', { class: 'box warn pinned', text: `督查意见：${opts.pinned}` }) : null,
    (opts.problems || []).map((m) => h('p', { class: 'box bad item-problem', role: 'alert', text: m })),
    control,
    // N/A only where the rubric allows it (deduction items not marked `na: false`); one set
    // before stays shown so it can be cleared.
    naAllowed(item) || a.na ? h('label', { class: 'check', for: naBox.id }, naBox, h('span', { text: '不适用' })) : null,
    ro ? (a.note ? h('p', { class: 'pre', text: `说明：${a.note}` }) : null)
      : h('div', { class: 'field' }, h('label', { for: note.id, text: '说明' }), note),
    thumbs, pick ? [pick.input, pick.button] : null);
  return box;
}

function add(el, ...children) {
  for (const c of children.flat(2)) if (c) el.append(c);
  return el;
}
