/**
 * What the inspection screens share: the template an inspection is scored by, the live score
 * (rubric.js, the server's arithmetic), the score bar, and labels.
 */

import { h } from '../ui.js';
import { list } from '../store.js';
import { most, score, scoreSubset, scorer, subset, total } from '../rubric.js';

export const STATUS = { draft: '草稿', submitted: '已提交', returned: '已退回', approved: '已通过' };
export const RECT_STATUS = { open: '整改中', responded: '已答复', verified: '已验收', failed: '未通过', overdue: '已超期' };

/**
 * The template record (merged) an inspection names, or null.
 * @param {any} data inspection data
 */
export async function templateOf(data) {
  const all = await list('templates');
  return all.find((t) => t.id === data.template_id && !t.deleted) || null;
}

/** Templates one may start an inspection with: published (the newest version of each). */
export async function usableTemplates() {
  const all = (await list('templates')).filter((t) => !t.deleted && Array.isArray(t.data.sections)
    && (t.data.status || 'published') === 'published');
  const superseded = new Set(all.map((t) => t.data.supersedes).filter(Boolean));
  return all.filter((t) => !superseded.has(t.id));
}

/**
 * The live score of an inspection's answers: {score, vetoed, sections, unanswered} or {error}.
 * @param {any} template template data
 * @param {any} data inspection data
 */
export function liveScore(template, data) {
  try {
    const ids = subsetOf(data);
    return ids ? scoreSubset(template, data.items || {}, ids) : score(template, data.items || {});
  } catch (err) {
    return { error: err };
  }
}

/**
 * The live score of one template, for a screen that rescores on every tap: the template is
 * validated once (rubric.js `scorer`); each call scores the answers like `liveScore`.
 * @param {any} template template data
 * @returns {(data: any) => any}
 */
export function liveScorer(template) {
  let prepared;
  try {
    prepared = scorer(template);
  } catch (err) {
    return () => ({ error: err });
  }
  return (data) => {
    try {
      const ids = subsetOf(data);
      return ids ? prepared.scoreSubset(data.items || {}, ids) : prepared.score(data.items || {});
    } catch (err) {
      return { error: err };
    }
  };
}

/** Set an element's text only when it changes (a rescore on every tap touches no more). */
export const setText = (el, text) => { if (el.textContent !== text) el.textContent = text; };

/** 87.5 → "87.50" (the hundredths the rubric counts in). */
export const points = (n) => (typeof n === 'number' ? n.toFixed(2) : '—');

/**
 * The items an inspection scores: its `item_ids` (a re-inspection), else null (all).
 * @param {any} data inspection data
 */
export const subsetOf = (data) => (Array.isArray(data.item_ids) && data.item_ids.length ? data.item_ids : null);

/**
 * The most an inspection can score: its template's total, or for a re-inspection the most
 * the items re-scored can reach (rubric.js `most` of the template reduced to them, `subset`,
 * as the server's template preview reports it).
 * @param {any} template template data
 * @param {any} data inspection data
 * @returns {number | null} null when the template or the item list is malformed
 */
export function maxScore(template, data) {
  try {
    const ids = subsetOf(data);
    return ids ? most(subset(template, ids)) : total(template);
  } catch {
    return null;
  }
}

/**
 * The score bar: total (out of `maxScore`), veto banner, unanswered count, section subtotals.
 * @param {any} template template data
 * @param {any} data inspection data
 * @returns {{el: HTMLElement, show: (s: any) => void}}
 */
export function scoreBar(template, data) {
  const most = maxScore(template, data);
  const sum = h('strong', { class: 'total', 'data-score': '' });
  const veto = h('p', { class: 'veto-banner', hidden: true, text: '一票否决：本次检查总分作废' });
  const left = h('span', { class: 'unanswered' });
  const names = new Map(template.sections.map((s) => [s.id, s.name || s.id]));
  /** Section id -> its line in the list of subtotals (made once, updated in place). */
  const lines = new Map();
  const subs = h('ul', { class: 'subtotals' });
  const el = h('div', { class: 'scorebar', role: 'region', 'aria-label': '得分' },
    veto, h('p', { class: 'score-line' }, h('span', { text: '得分 ' }), sum, h('span', { class: 'hint max', text: ` / ${points(most)}` }), ' · ', left),
    h('details', null, h('summary', { text: '分项得分' }), subs));
  function show(s) {
    if (s.error) {
      setText(sum, '—');
      sum.dataset.score = '';
      setText(left, '有答案不符合评分规则');
      return;
    }
    setText(sum, points(s.score));
    if (sum.dataset.score !== String(s.score)) sum.dataset.score = String(s.score);
    veto.hidden = !s.vetoed;
    setText(left, s.unanswered.length ? `未评 ${s.unanswered.length} 项` : '已全部评分');
    const ids = Object.keys(s.sections);
    if (ids.length !== lines.size || ids.some((id) => !lines.has(id))) {
      lines.clear();
      subs.replaceChildren(...ids.map((id) => {
        const value = h('span');
        lines.set(id, value);
        return h('li', null, h('span', { text: names.get(id) || id }), value);
      }));
    }
    for (const [id, v] of Object.entries(s.sections)) setText(lines.get(id), points(v));
  }
  return { el, show };
}

/**
 * A refused op's reason for one item, in Chinese.
 * @param {any} rec merged inspection
 * @param {string} itemId
 */
export function itemProblems(rec, itemId) {
  const out = [];
  for (const op of rec.rejected || []) {
    const path = (op.error && op.error.details && op.error.details.path) || '';
    if (path === `items.${itemId}` || path.startsWith(`items.${itemId}.`)) {
      const what = path.split('.')[2];
      const field = { count: '次数', value: '实测值', rating: '评价', vetoed: '否决', na: '不适用', note: '说明', photos: '照片' }[what] || '答案';
      out.push(`服务器退回了此项的${field}：${op.error.code === 'invalid' ? '不符合本项的评分规则' : '无权修改'}，请改正`);
    }
  }
  return out;
}
