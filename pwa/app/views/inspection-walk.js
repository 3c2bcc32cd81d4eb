/**
 * Walking an inspection (#/inspection/ID/walk): the rubric's sections with large controls,
 * every change saved at once as an op (IndexedDB outbox: closing the tab loses nothing), the
 * live score from rubric.js (the server's arithmetic) in a bar kept on screen, a returned
 * inspection's comment on the items it names, the inspected unit's representative signing
 * on the phone, and 提交.
 */

import { add, h, toast } from '../ui.js';
import { clone, edit, setPath } from '../store.js';
import { go, onLeave } from '../router.js';
import { FormProblems } from '../errors.js';
import { badges, found, recordForm, rejectedBox } from './common.js';
import { signatureSection } from './signature.js';
import { itemBlock } from './inspection-items.js';
import { STATUS, itemProblems, liveScorer, points, scoreBar, setText, templateOf } from './inspection-common.js';

/** Items built before the screen shows (a screenful and more); the rest follow in slices. */
const FIRST_ITEMS = 12;
/** Longest slice of item building between two chances for the page to paint or take a tap. */
const SLICE_MS = 8;

/** #/inspection/ID/walk */
export async function inspectionWalkView(ctx) {
  const t0 = performance.now();
  const [id] = ctx.params;
  const rec = await found(ctx, 'inspections', id, '找不到这次检查');
  if (!rec) return {};
  const tpl = await templateOf(rec.data);
  if (!tpl) {
    add(ctx.main, h('p', { class: 'empty', text: '本机还没有这次检查所用的考评细则，请联网同步后再试' }));
    return {};
  }
  const template = tpl.data;
  const data = clone(rec.data);
  const status = data.status || 'draft';
  if (!['draft', 'returned'].includes(status)) {
    go(`#/inspection/${encodeURIComponent(id)}`, true);
    return {};
  }
  const subset = Array.isArray(data.item_ids) && data.item_ids.length ? new Set(data.item_ids) : null;
  const bar = scoreBar(template, data);
  const subtotals = new Map();
  const liveScore = liveScorer(template);
  const rescore = () => {
    const s = liveScore(data);
    bar.show(s);
    if (!s.error) for (const [sid, el] of subtotals) setText(el, sid in s.sections ? `${points(s.sections[sid])} 分` : '');
    return s;
  };
  // Saves run one after another, in the order of the taps.
  let saving = Promise.resolve();
  const onChange = (set, blobs) => {
    for (const [p, v] of Object.entries(set)) setPath(data, p, v);
    rescore();
    saving = saving.then(() => edit('inspections', id, set, { blobs: blobs || [] }))
      .catch((err) => toast(`未能保存：${err.message}`, 'error'));
    return saving;
  };
  const review = data.review || {};
  const pinned = status === 'returned' ? new Set(review.item_ids || []) : new Set();
  /** Items still to build: [their section's element, item]. */
  const unbuilt = [];
  const sections = template.sections.map((sec) => {
    const items = sec.items.filter((it) => !subset || subset.has(it.id));
    if (!items.length) return null;
    const sub = h('span', { class: 'subtotal' });
    subtotals.set(sec.id, sub);
    const el = h('section', { class: 'rubric-section', 'aria-label': sec.name || sec.id },
      h('h2', null, h('span', { text: sec.name || sec.id }), ' ', sub));
    for (const item of items) unbuilt.push([el, item]);
    return el;
  });
  const build = ([el, item]) => el.append(itemBlock(item, (data.items || {})[item.id], {
    onChange, token: ctx.session.token, problems: itemProblems(rec, item.id),
    pinned: pinned.has(item.id) ? review.comment : '' }));
  // A rubric of 120 items is ~2,500 elements: the first screenful is built before the screen
  // shows, the rest in short slices after its first frame (each answer is read from `data`
  // when its item is built, so a tap in between is never lost).
  for (const entry of unbuilt.splice(0, FIRST_ITEMS)) build(entry);
  let onScreen = true;
  onLeave(() => { onScreen = false; });
  const slice = () => {
    const t = performance.now();
    while (onScreen && unbuilt.length && performance.now() - t < SLICE_MS) build(/** @type {any} */ (unbuilt.shift()));
    if (onScreen && unbuilt.length) setTimeout(slice, 0);
  };
  if (unbuilt.length) requestAnimationFrame(() => setTimeout(slice, 0));

  const signature = signatureSection({ data, token: ctx.session.token });
  signature.el.querySelector('.label').textContent = '被检查单位负责人签名';
  const form = recordForm([
    h('h2', { text: '签名并提交' }),
    h('p', { class: 'hint', text: '请被检查单位负责人在下方签名。提交后由县督查人员审核。' }),
    signature.el,
  ], submit);
  const saveBtn = form.querySelector('button[type=submit]');
  if (saveBtn) saveBtn.textContent = '提交检查';

  async function submit() {
    await saving;
    const s = rescore();
    const signed = await signature.collect();
    const problems = [...signed.problems];
    if (s.error) problems.push({ path: s.error.path || '', message: '有答案不符合评分规则，请检查标红的项' });
    else if (s.unanswered.length) problems.push({ path: '', message: `还有 ${s.unanswered.length} 项未评分（不适用的请勾选“不适用”）` });
    if (!signed.values.signature && !signed.values['signature_fallback.kind'] && !data.signature) {
      problems.push({ path: '', message: '请被检查单位负责人签名（不能签名的请选择替代方式）' });
    }
    if (problems.length) throw new FormProblems(problems);
    const set = { ...signed.values, status: 'submitted', submitted_at: Date.now() };
    if (set['signature_fallback.kind']) {
      set['signature_fallback.by'] = ctx.session.user.id;
      set['signature_fallback.at'] = Date.now();
    }
    await edit('inspections', id, set, { blobs: signed.blobs });
    toast('已提交，联网后自动同步');
    go(`#/inspection/${encodeURIComponent(id)}`, true);
  }

  add(ctx.main,
    h('h1', null, subset ? '复查' : '检查评分', ' ', h('span', { class: `chip is-${status}`, text: STATUS[status] })),
    h('p', { class: 'hint', text: `${tpl.data.name || ''}（第 ${data.template_version} 版）` }),
    h('div', { class: 'badges' }, badges(rec)),
    status === 'returned' ? h('section', { class: 'box warn returned', 'aria-label': '退回意见' },
      h('h2', { text: '督查人员退回，请修改后重新提交' }), h('p', { class: 'pre', text: review.comment || '' })) : null,
    rejectedBox(rec),
    sections,
    bar.el,
    form);
  rescore();
  ctx.main.dataset.renderMs = String(Math.round(performance.now() - t0));
  return { form: true };
}
