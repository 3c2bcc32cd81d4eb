/**
 * 试评分: score sample answers on a template being edited, with the phone's scorer
 * (rubric.js through inspection-common's liveScore and score bar): the total, each section's
 * subtotal, the veto banner and the unanswered count, as an inspector would see them. The
 * samples are kept by item id while the draft changes; only the answer the item's current
 * rule takes is scored.
 */

import { h } from '../../ui.js';
import { ratings } from '../../schema.js';
import { templateProblem, placeText, problemText } from '../../rubric-zh.js';
import { liveScore, scoreBar } from '../inspection-common.js';
import { answerKey, naAllowed } from '../inspection-items.js';

/** Sample answers by template record id, kept while the app is open (the editor is drawn
 * again after a save, a publish or a refusal: the sample stays). */
const KEPT = new Map();

/**
 * The preview panel of a template editor.
 * @param {() => any} current the template data being edited
 * @param {string} key the template record id
 * @returns {{el: HTMLElement, redraw: () => void, update: () => void}}
 */
export function preview(current, key) {
  if (!KEPT.has(key)) KEPT.set(key, {});
  /** @type {Record<string, Record<string, any>>} sample answers by item id */
  const samples = KEPT.get(key);
  const barBox = h('div', { class: 'tpl-bar' });
  const note = h('p', { class: 'hint', role: 'status' });
  const inputs = h('div', { class: 'tpl-samples' });
  const el = h('aside', { class: 'tpl-preview', 'aria-labelledby': 'tpl-pv-title' },
    h('h2', { id: 'tpl-pv-title', text: '试评分' }),
    h('p', { class: 'hint', text: '填入样例答案，按当前草稿计分（与检查时手机上的计分相同）。' }),
    barBox, note, inputs);
  /** @type {{el: HTMLElement, show: (s: any) => void}} */
  let bar;

  /** The answers to score: each item's sample, reduced to what its rule takes. */
  function answers(tpl) {
    const out = {};
    for (const sec of tpl.sections || []) {
      for (const item of sec.items || []) {
        const s = samples[item.id];
        if (!s) continue;
        if (naAllowed(item) && s.na) { out[item.id] = { na: true }; continue; }
        const key = answerKey(item);
        if (key && s[key] !== undefined && s[key] !== '') out[item.id] = { [key]: s[key] };
      }
    }
    return out;
  }

  function update() {
    const tpl = current();
    const problem = templateProblem(tpl);
    // The bar is drawn again each time: the draft's sections, names and points may have changed.
    const open = !!barBox.querySelector('details[open]');
    bar = scoreBar(problem ? { sections: [] } : tpl);
    barBox.replaceChildren(bar.el);
    if (open) bar.el.querySelector('details')?.setAttribute('open', '');
    if (problem) {
      note.textContent = `草稿有问题，改正后显示得分：${placeText(problem.path)} ${problemText(problem)}`;
      bar.show({ error: problem });
      return;
    }
    const s = liveScore(tpl, { items: answers(tpl) });
    note.textContent = s.error ? `样例答案不符合评分规则：${problemText(s.error)}` : '';
    bar.show(s);
  }

  function sampleControl(item) {
    const id = `pv-${item.id}`;
    const s = samples[item.id] || (samples[item.id] = {});
    const label = `${item.text || item.id}`;
    const num = (key, what, integer) => {
      const input = h('input', { type: 'number', id: `${id}-${key}`, min: '0', step: integer ? '1' : 'any', inputmode: integer ? 'numeric' : 'decimal',
        value: s[key] ?? '', 'aria-label': `${label}：${what}` });
      input.addEventListener('input', () => {
        const v = input.value === '' ? undefined : Number(input.value);
        s[key] = Number.isFinite(v) ? v : undefined;
        update();
      });
      return h('label', { class: 'pv-field', for: input.id }, h('span', { text: what }), input);
    };
    const check = (key, what) => {
      const input = h('input', { type: 'checkbox', id: `${id}-${key}`, checked: !!s[key] });
      input.addEventListener('change', () => { s[key] = input.checked; update(); });
      return h('label', { class: 'pv-check', for: input.id }, input, h('span', { text: what }));
    };
    const controls = [];
    const key = answerKey(item);
    if (item.rule === 'rating') {
      const sel = h('select', { id: `${id}-rating`, 'aria-label': `${label}：评价` }, h('option', { value: '', text: '未评' }),
        ratings().map((r) => h('option', { value: r.value, text: r.label, selected: s.rating === r.value })));
      sel.addEventListener('change', () => { s.rating = sel.value || undefined; update(); });
      controls.push(h('label', { class: 'pv-field', for: sel.id }, h('span', { text: '评价' }), sel));
    } else if (item.rule === 'veto') controls.push(check('vetoed', '否决'));
    else if (key === 'count') controls.push(num('count', '次数', true));
    else if (key === 'value') controls.push(num('value', '实测值', false));
    if (naAllowed(item)) controls.push(check('na', '不适用'));
    return h('li', { class: 'pv-item' }, h('p', { class: 'pv-text', text: label }), h('div', { class: 'pv-controls' }, controls));
  }

  function redraw() {
    const tpl = current();
    inputs.replaceChildren(...(tpl.sections || []).map((sec) => h('section', { class: 'pv-section' },
      h('h3', { text: sec.name || sec.id }),
      h('ul', { class: 'pv-list' }, (sec.items || []).filter((item) => answerKey(item)).map(sampleControl)))));
    update();
  }

  return { el, redraw, update };
}
