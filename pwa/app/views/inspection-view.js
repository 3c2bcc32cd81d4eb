/**
 * One inspection (#/inspection/ID), read-only: the score, every item with its answer, note
 * and photos, the signature, the history of reviews; and the next step the role may take:
 * continue (a draft or a returned one), review (a supervisor who did not inspect it: approve,
 * or return with a comment optionally pinned to items), or order a rectification.
 */

import { add, h, fmtTime, newId, toast } from '../ui.js';
import { edit, list, uuid } from '../store.js';
import { go } from '../router.js';
import { canSet, reviews } from '../rights.js';
import { actionBar, attachmentImg, badges, centreNames, conflictBox, found, navButton, rejectedBox, row } from './common.js';
import { itemBlock } from './inspection-items.js';
import { rectificationRow } from './inspections.js';
import { STATUS, liveScore, points, templateOf } from './inspection-common.js';

/**
 * The review panel: comment, items to pin it to, 通过 / 退回.
 * @param {any} rec merged inspection
 * @param {any} template
 * @param {any} me
 * @param {() => void} after called once the decision is saved
 */
function reviewPanel(rec, template, me, after) {
  const comment = /** @type {HTMLTextAreaElement} */ (h('textarea', { rows: 3, id: newId('comment'), name: 'review.comment' }));
  const error = h('p', { class: 'error', role: 'alert' });
  const wanted = new Set(rec.data.item_ids || []);
  const boxes = template.sections.flatMap((s) => s.items).filter((it) => !wanted.size || wanted.has(it.id)).map((it) => {
    const cb = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', value: it.id, id: newId('pin') }));
    return h('label', { class: 'check', for: cb.id }, cb, h('span', { text: it.text || it.id }));
  });
  const decide = async (decision) => {
    const text = comment.value.trim();
    if (decision === 'returned' && !text) {
      error.textContent = '退回时请写明意见';
      comment.focus();
      return;
    }
    const pinned = boxes.map((b) => /** @type {HTMLInputElement} */ (b.querySelector('input'))).filter((c) => c.checked).map((c) => c.value);
    const entry = { by: me.id, at: Date.now(), decision, comment: text || null, item_ids: pinned };
    const rid = uuid();
    /** @type {Record<string, any>} */
    const set = { status: decision };
    for (const [k, v] of Object.entries(entry)) {
      set[`review.${k}`] = v;
      set[`reviews.${rid}.${k}`] = v;
    }
    await edit('inspections', rec.id, set);
    toast(decision === 'approved' ? '已通过，联网后自动同步' : '已退回，联网后自动同步');
    after();
  };
  return h('section', { class: 'box review', 'aria-label': '审核' },
    h('h2', { text: '审核' }),
    h('div', { class: 'field' }, h('label', { for: comment.id, text: '审核意见（退回时必填）' }), comment),
    h('details', null, h('summary', { text: '意见针对的检查项（可选）' }), boxes),
    error,
    h('div', { class: 'row' },
      h('button', { type: 'button', class: 'btn primary', text: '通过', onclick: () => decide('approved') }),
      h('button', { type: 'button', class: 'btn danger', text: '退回', onclick: () => decide('returned') })));
}

/** The history of reviews, oldest first. */
function history(data, names) {
  const all = Object.values(data.reviews || {}).filter((r) => r && r.decision).sort((a, b) => (a.at || 0) - (b.at || 0));
  if (!all.length) return null;
  return h('section', { 'aria-label': '审核记录' }, h('h2', { text: `审核记录（${all.length}）` }),
    h('ul', { class: 'list reviews' }, all.map((r) => h('li', { class: 'item' },
      h('div', { class: 'item-top' }, h('strong', { class: 'grow', text: r.decision === 'approved' ? '通过' : '退回' }),
        h('span', { class: 'hint', text: fmtTime(r.at) })),
      r.comment ? h('p', { class: 'pre', text: r.comment }) : null,
      (r.item_ids || []).length ? h('p', { class: 'hint', text: `针对：${r.item_ids.map((i) => names.get(i) || i).join('、')}` }) : null))));
}

/** #/inspection/ID */
export async function inspectionView(ctx) {
  const [id] = ctx.params;
  const me = ctx.session.user;
  const rec = await found(ctx, 'inspections', id, '找不到这次检查');
  if (!rec) return { live: true };
  const d = rec.data;
  const st = d.status || 'draft';
  const tpl = await templateOf(d);
  const centres = await centreNames();
  const template = tpl ? tpl.data : null;
  const s = template ? liveScore(template, d) : { error: true };
  const mine = (d.inspector_ids || []).includes(me.id);
  const itemNames = new Map(template ? template.sections.flatMap((x) => x.items).map((it) => [it.id, it.text || it.id]) : []);
  const subset = Array.isArray(d.item_ids) && d.item_ids.length ? new Set(d.item_ids) : null;
  const rects = (await list('rectifications')).filter((r) => !r.deleted && (r.data.inspection_id === id || r.data.reinspection_id === id));
  const actions = [];
  const canEdit = me.role !== 'centre' && canSet(me.role, 'inspections', 'items');
  if (['draft', 'returned'].includes(st) && canEdit) actions.push(navButton(st === 'returned' ? '修改并重新提交' : '继续检查', `#/inspection/${encodeURIComponent(id)}/walk`, 'btn primary'));
  if (['submitted', 'approved'].includes(st) && !subset && me.role !== 'centre' && canSet(me.role, 'rectifications', 'item_ids')) {
    actions.push(navButton('下达整改', `#/rectification/new?inspection=${encodeURIComponent(id)}`));
  }
  const review = st === 'submitted' && reviews(me.role) && !mine && template ? reviewPanel(rec, template, me, ctx.rerender) : null;
  add(ctx.main,
    h('h1', null, subset ? '复查' : '检查', ' ', h('span', { class: `chip is-${st}`, text: STATUS[st] || st })),
    h('div', { class: 'badges' }, badges(rec)),
    rejectedBox(rec),
    conflictBox(rec, ctx.session, ctx.rerender),
    st === 'returned' && d.review ? h('section', { class: 'box warn returned', 'aria-label': '退回意见' },
      h('h2', { text: '督查人员退回' }), h('p', { class: 'pre', text: d.review.comment || '' })) : null,
    h('dl', { class: 'kvs' },
      row('服务中心', centres.get(d.centre_id) || d.centre_id),
      row('检查对象', d.target && d.target.kind === 'window' ? `窗口 ${d.target.window_id || ''}` : '整个中心'),
      row('考评细则', tpl ? `${tpl.data.name}（第 ${d.template_version} 版）` : d.template_id),
      row('开始时间', fmtTime(d.started_at)),
      row('提交时间', fmtTime(d.submitted_at)),
      row('定位', d.location && d.location.lat !== undefined ? `${d.location.lat}, ${d.location.lon}` : ''),
      row('得分', s.error ? '—' : h('strong', { class: 'total', 'data-score': String(s.score), text: s.vetoed ? `${points(s.score)}（一票否决）` : points(s.score) })),
      row('未评', s.error || !s.unanswered.length ? '' : `${s.unanswered.length} 项`)),
    review,
    history(d, itemNames),
    template ? template.sections.map((sec) => {
      const items = sec.items.filter((it) => !subset || subset.has(it.id));
      if (!items.length) return null;
      return h('section', { class: 'rubric-section', 'aria-label': sec.name || sec.id },
        h('h2', { text: `${sec.name || sec.id}${!s.error && sec.id in s.sections ? `  ${points(s.sections[sec.id])} 分` : ''}` }),
        items.map((it) => itemBlock(it, (d.items || {})[it.id], { readOnly: true, token: ctx.session.token, onChange: async () => {},
          pinned: st === 'returned' && (d.review && d.review.item_ids || []).includes(it.id) ? d.review.comment : '' })));
    }) : h('p', { class: 'empty', text: '本机没有这次检查的考评细则' }),
    d.signature ? h('section', null, h('h2', { text: '被检查单位负责人签名' }), attachmentImg(d.signature, '负责人签名', ctx.session.token)) : null,
    rects.length ? h('section', { 'aria-label': '整改' }, h('h2', { text: '整改' }), h('ul', { class: 'list' }, rects.map((r) => rectificationRow(r, centres)))) : null,
    actions.length ? actionBar(...actions) : null);
  // While a review is being written, a sync must not redraw the screen (and lose it).
  return review ? { form: true } : { live: true };
}
