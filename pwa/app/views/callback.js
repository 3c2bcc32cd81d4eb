/**
 * A call-back record (电话回访): an `evaluations` record with source `callback` and the
 * five-level rating; the labels and points come from the schemas (the server computes
 * the points it stores).
 */

import { add, h, field, toast } from '../ui.js';
import { edit, get, uuid } from '../store.js';
import { ratings, validate } from '../schema.js';
import { go } from '../router.js';
import { enumLabel } from '../labels.js';
import { caseTitle, matterNames } from './common.js';

/**
 * Whether a call-back is due on this work (the server's `callback_due` rule): a case once
 * completed, a visit once done (a 回访走访 is itself the follow-up). A rating given while
 * the work is still open would count in the centre's satisfaction rate for work not done.
 * @param {'cases' | 'visits'} collection
 * @param {Record<string, any>} d the record as it stands (never a refused change)
 */
export function mayCallBack(collection, d) {
  if (collection === 'cases') return d.status === 'completed';
  return d.status === 'done' && d.kind !== 'follow_up';
}

/**
 * Why no call-back can be made on this work yet, or '' when it can.
 * @param {any} c merged case, or null
 * @param {any} v merged visit, or null (the call-back is about the visit when given)
 */
function notDueText(c, v) {
  const d = (r) => r.standing || r.data;
  if (v) {
    if (mayCallBack('visits', d(v))) return '';
    if (d(v).kind === 'follow_up') return '回访走访本身就是回访，无需再电话回访。';
    return `这次走访当前为“${enumLabel('visits', 'status', d(v).status || 'planned')}”，完成后才能回访。`;
  }
  if (mayCallBack('cases', d(c))) return '';
  return `该办件当前为“${enumLabel('cases', 'status', d(c).status) || '未知'}”，办结后才能回访（未办结的办件不计入满意度）。`;
}

/** #/callback?case=ID&visit=ID */
export async function callbackView(ctx) {
  const caseId = ctx.query.get('case');
  const visitId = ctx.query.get('visit');
  const [c, v, matters] = await Promise.all([caseId ? get('cases', caseId) : null, visitId ? get('visits', visitId) : null, matterNames()]);
  const subject = c || v;
  if (!subject) { // a call-back is always about a case or a visit
    add(ctx.main, h('h1', { text: '电话回访' }),
      h('p', { class: 'box warn', text: caseId || visitId ? '找不到要回访的办件或走访（可能尚未同步）。' : '请先选择要回访的办件或走访。' }),
      h('div', { class: 'actions' }, h('a', { class: 'btn primary', href: '#/callbacks', text: '待回访列表' })));
    return {};
  }
  const why = notDueText(c, v);
  if (why) {
    add(ctx.main, h('h1', { text: '电话回访' }), h('p', { class: 'box warn', text: why }),
      h('div', { class: 'actions' }, h('a', { class: 'btn primary', href: '#/callbacks', text: '待回访列表' })));
    return {};
  }
  const scale = ratings();
  const centre = (subject && subject.data.centre_id) || (ctx.session.user.centre_ids || [])[0];
  if (!scale.length) {
    add(ctx.main, h('h1', { text: '电话回访' }), h('p', { class: 'box warn', text: '评价等级尚未下载：请联网同步一次后再试。' }));
    return {};
  }
  const who = c ? caseTitle(c, matters) : v ? ((v.data.applicant && v.data.applicant.name) || '走访') : '';
  const phone = subject && subject.data.applicant && subject.data.applicant.phone;
  const radios = scale.map((r) => h('label', { class: 'rating' },
    h('input', { type: 'radio', name: 'rating', value: r.value, required: true }),
    h('span', { text: r.label }), h('small', { text: `${r.points} 分` })));
  const comment = h('textarea', { rows: 4, name: 'comment' });
  const msg = h('p', { class: 'error', role: 'alert' });
  // One id for this call-back, made once: a double tap saves the same record, not two.
  const id = uuid();
  const save = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', class: 'btn primary', text: '保存' }));
  const form = h('form', { class: 'form', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    if (save.disabled) return;
    const picked = /** @type {HTMLInputElement | null} */ (form.querySelector('input[name=rating]:checked'));
    if (!picked) {
      msg.textContent = '请选择满意度';
      return;
    }
    /** @type {Record<string, any>} */
    const set = { centre_id: centre, source: 'callback', rating: picked.value, at: Date.now(), staff_id: ctx.session.user.id };
    if (caseId) set.case_id = caseId;
    if (visitId) set.visit_id = visitId;
    const text = /** @type {HTMLTextAreaElement} */ (comment).value.trim();
    if (text) set.comment = text;
    const problems = validate('evaluations', set);
    if (problems.length) {
      msg.textContent = problems.map((p) => p.message).join('；');
      return;
    }
    save.disabled = true;
    try {
      await edit('evaluations', id, set);
    } catch (err) {
      msg.textContent = `保存失败：${err.message || err}`;
      save.disabled = false;
      return;
    }
    toast('回访已保存');
    go(caseId ? `#/case/${encodeURIComponent(caseId)}` : visitId ? `#/visit/${encodeURIComponent(visitId)}` : '#/today', true);
  } },
  h('fieldset', { class: 'ratings' }, h('legend', { text: '满意度' }), radios),
  field('回访意见', comment).wrap, msg,
  h('div', { class: 'actions' }, h('button', { type: 'button', class: 'btn', text: '取消', onclick: () => history.back() }),
    save));
  add(ctx.main, h('h1', { text: '电话回访' }),
    who ? h('p', { class: 'hint' }, `回访对象：${who}`, phone ? h('a', { class: 'tel', href: `tel:${phone}`, text: ` 拨打 ${phone}` }) : null) : null,
    form);
  return { form: true };
}
