/**
 * 问责 on a case's or complaint's page: the accountability record the sweep made when the
 * work went overdue, and the centre's explanation (情况说明), which the county closes; and
 * #/accountability, the centre's records in one list (those waiting for its explanation
 * first), so the centre need not open each overdue case to find them.
 */

import { add, field, fmtDate, fmtTime, h, lazyList, toast } from '../ui.js';
import { enumLabel } from '../labels.js';
import { edit, get, list, sha256 } from '../store.js';
import { FormProblems } from '../errors.js';
import { canSet } from '../rights.js';
import { actionBar, matterNames, navButton, recordForm, row, subjectTitle } from './common.js';

/**
 * The one id the server gives a subject's accountability record (`accountability_id` in
 * server/jobs/sweep.py): read by key, not found by scanning every accountability record.
 * @param {string} collection
 * @param {string} id
 */
async function accountabilityId(collection, id) {
  const plain = `acc-${collection}-${id}`;
  if (plain.length <= 100) return plain;
  return `acc-${collection}-h${(await sha256(new TextEncoder().encode(id))).slice(0, 48)}`;
}

/**
 * The section for the subject `collection`/`id`, or null when it has no accountability record.
 * @param {any} ctx the screen's context (session, rerender)
 * @param {string} collection
 * @param {string} id
 */
export async function accountabilitySection(ctx, collection, id) {
  const acc = await get('accountability', await accountabilityId(collection, id));
  if (!acc) return null;
  const d = acc.data;
  const parts = [h('h2', { text: '问责' }), h('dl', { class: 'kvs' },
    row('状态', enumLabel('accountability', 'status', d.status)),
    row('事由', enumLabel('accountability', 'kind', d.kind)),
    row('期限', fmtTime(d.due_at)),
    row('发现超期', fmtTime(d.detected_at)),
    row('情况说明', d.explanation ? h('span', { class: 'pre', text: d.explanation }) : ''),
    // Sent back: what the county found wanting, for the new explanation to answer.
    d.status === 'open' && d.send_back_reason ? row('退回原因', h('span', { class: 'pre', text: d.send_back_reason })) : null,
    d.status === 'closed' ? row('结案意见', h('span', { class: 'pre', text: d.conclusion || '（未记录）' })) : null)];
  const mayExplain = canSet(ctx.session.user.role, 'accountability', 'status', 'explained', d.status);
  // Without this, a field worker sees 待说明 and no way to act, and cannot tell whose it is.
  if (d.status === 'open' && !mayExplain) parts.push(h('p', { class: 'hint', text: '情况说明由中心工作人员填写。' }));
  if (d.status === 'open' && mayExplain) {
    const text = /** @type {HTMLTextAreaElement} */ (h('textarea', { rows: 4, name: 'explanation' }));
    parts.push(recordForm([field('情况说明', text, '写明超期原因和改进措施，提交后由县级督查结案').wrap], async () => {
      const explanation = text.value.trim();
      if (!explanation) throw new FormProblems([{ path: 'explanation', message: '请填写情况说明' }]);
      await edit('accountability', acc.id, { explanation, status: 'explained' });
      toast('情况说明已保存到本机，联网后自动同步');
      ctx.rerender();
    }));
  }
  return h('section', { 'aria-label': '问责' }, ...parts);
}

/** Where a subject opens on the phone, by collection. */
const SUBJECT_LINKS = { cases: '#/case/', complaints: '#/complaint/', rectifications: '#/rectification/' };
/** The order the list shows states in: what waits for the centre first. */
const STATE_ORDER = { open: 0, explained: 1, closed: 2 };

/**
 * Whether `role` writes explanations (the schema's rights): the centre's staff.
 * @param {string} role
 */
export const explains = (role) => canSet(role, 'accountability', 'status', 'explained', 'open');

/**
 * The accountability records of the person's centres, waiting ones first, then by deadline.
 * @param {any} user the session's user
 */
export async function centreAccountability(user) {
  const centres = user.centre_ids || [];
  const rows = (await list('accountability'))
    .filter((a) => !a.data._deleted && (!centres.length || centres.includes(a.data.centre_id)));
  return rows.sort((a, b) => (STATE_ORDER[a.data.status] ?? 3) - (STATE_ORDER[b.data.status] ?? 3)
    || (b.data.due_at || 0) - (a.data.due_at || 0));
}

/** #/accountability: the centre's 问责 records, each naming and opening its overdue work. */
export async function accountabilityListView(ctx) {
  const [rows, matters] = await Promise.all([centreAccountability(ctx.session.user), matterNames()]);
  // Only the records these name, by key: not every case and complaint on the phone.
  const held = await Promise.all(rows.map((a) => {
    const s = a.data.subject || {};
    return SUBJECT_LINKS[s.collection] && s.record ? get(s.collection, s.record) : null;
  }));
  const titles = new Map(rows.map((a, i) => [a.id, held[i] ? subjectTitle(a.data.subject.collection, held[i], matters) : '']));
  const waiting = rows.filter((a) => a.data.status === 'open').length;
  const item = (a) => {
    const d = a.data;
    const s = d.subject || {};
    const title = titles.get(a.id) || `${enumLabel('accountability', 'kind', d.kind)}（同步后显示详情）`;
    const href = SUBJECT_LINKS[s.collection] ? SUBJECT_LINKS[s.collection] + encodeURIComponent(s.record) : null;
    return h('li', { class: 'item' },
      h(href ? 'a' : 'div', { class: 'item-top', href },
        h('strong', { class: 'grow', text: title }),
        h('span', { class: `chip acc-${d.status}`, text: enumLabel('accountability', 'status', d.status) })),
      h('div', { class: 'badges' },
        h('span', { class: 'hint', text: `${enumLabel('accountability', 'kind', d.kind)} · 期限 ${fmtDate(d.due_at) || '—'}` }),
        d.detected_at ? h('span', { class: 'hint', text: `发现于 ${fmtDate(d.detected_at)}` }) : null));
  };
  add(ctx.main, h('h1', { text: '问责' }),
    h('p', { class: 'hint', text: explains(ctx.session.user.role)
      ? `待说明 ${waiting} 件：打开后填写情况说明（超期原因和改进措施），由县级督查结案。`
      : `待说明 ${waiting} 件。情况说明由中心工作人员填写。` }),
    lazyList(rows, item, { empty: '本中心没有问责记录', label: '问责记录' }),
    actionBar(navButton('返回今日', '#/today')));
  return { live: true };
}
