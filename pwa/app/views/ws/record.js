/**
 * One record from the server's lists (masked like every list), for the workspace's links:
 * its fields as people read them; an accountability record can be closed by a supervisor,
 * and an open case given its one extension (延期) with a reason (ops through the outbox).
 */

import { field, fmtDate, h, toast } from '../../ui.js';
import { canSet } from '../../rights.js';
import { fieldLabel, TITLES } from '../../labels.js';
import { valueText } from '../common.js';
import { api, screen, sendEdit } from './kit.js';
import { verifyBlock } from './complaints.js';

const OPEN = ['accepted', 'handling', 'supplement'];
const COLLECTIONS = ['cases', 'visits', 'inspections', 'rectifications', 'evaluations', 'complaints', 'accountability', 'awards'];

/** #/ws/record/<collection>/<id> */
export async function recordView(ctx) {
  const [collection, id] = ctx.params;
  await screen(ctx, `${TITLES[collection] || (collection === 'accountability' ? '问责' : collection === 'awards' ? '评优' : collection)}详情`, async () => {
    if (!COLLECTIONS.includes(collection)) return h('p', { class: 'box bad', text: '未找到' });
    const body = await api(ctx.session, `/records/${collection}?q=${encodeURIComponent(id)}&limit=50`);
    const item = (body.items || []).find((i) => i.id === id);
    if (!item) return h('p', { class: 'box bad', role: 'alert', text: '未找到该记录（或不在您的范围内）' });
    const d = item.data || {};
    const rows = Object.entries(d).filter(([, v]) => v !== null && typeof v !== 'object');
    const actions = [];
    if (collection === 'accountability' && d.status !== 'closed') {
      actions.push(h('button', { class: 'btn primary', type: 'button', text: '关闭问责', onclick: async () => {
        try {
          const how = await sendEdit('accountability', id, item.version, { status: 'closed' });
          toast(how === 'queued' ? '已关闭（联网后发送）' : '已关闭');
          ctx.rerender();
        } catch (e) { toast(e.message, 'error'); }
      } }));
    }
    // 延期 is granted before the deadline runs out (the server refuses it after): a late
    // case is not offered one, and says why.
    const late = !!d.overdue || (typeof d.due_at === 'number' && d.due_at < Date.now());
    const extend = collection === 'cases' && OPEN.includes(d.status) && !(d.extension && d.extension.days)
      && canSet(ctx.session.user.role, 'cases', 'extension')
      ? (late ? h('p', { class: 'box warn', text: `承诺期限${d.due_at ? `（${fmtDate(d.due_at)}）` : ''}已过，不能再延期：延期须在期限届满前批准。` })
        : extensionForm(ctx, item)) : null;
    const verify = collection === 'complaints' ? h('section', { 'aria-labelledby': 'ws-verify-h' },
      h('h2', { id: 'ws-verify-h', text: '核实' }), verifyBlock(ctx, item)) : null;
    return h('div', null,
      h('p', null, h('span', { class: 'chip town', text: item.centre_name || item.centre_id || '' })),
      h('dl', { class: 'ws-figures' }, rows.map(([k, v]) => [h('dt', { text: fieldLabel(collection, k) }), h('dd', { text: valueText(collection, k, v) })])),
      d.extension && d.extension.days ? h('p', { class: 'box', text: `已延期 ${d.extension.days} 个工作日：${d.extension.reason || ''}` }) : null,
      verify, extend,
      h('div', { class: 'row' }, actions),
      h('p', null, h('button', { class: 'btn small', type: 'button', text: '← 返回', onclick: () => history.back() })));
  });
  return { live: false };
}

/**
 * 延期: a case's one extension, 1–60 working days with a reason; the server records who and
 * when, moves the deadline and refuses a second one.
 * @param {any} ctx
 * @param {any} item the case as the server listed it
 */
function extensionForm(ctx, item) {
  const days = /** @type {HTMLInputElement} */ (h('input', { type: 'number', name: 'days', min: 1, max: 60, required: true, inputmode: 'numeric' }));
  const reason = /** @type {HTMLTextAreaElement} */ (h('textarea', { rows: 3, name: 'reason', required: true }));
  const msg = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'form', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    const n = Number(days.value);
    if (!Number.isInteger(n) || n < 1 || n > 60) { msg.textContent = '延期天数须为 1–60 个工作日'; days.focus(); return; }
    if (!reason.value.trim()) { msg.textContent = '请填写延期原因'; reason.focus(); return; }
    try {
      const how = await sendEdit('cases', item.id, item.version, { 'extension.days': n, 'extension.reason': reason.value.trim() });
      toast(how === 'queued' ? '已批准延期（联网后发送）' : '已批准延期');
      ctx.rerender();
    } catch (err) { msg.textContent = err.message; }
  } }, field('延期工作日', days, '每件办件只能延期一次，最多 60 个工作日').wrap, field('延期原因', reason).wrap, msg,
  h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary', text: '批准延期' })));
  return h('section', { 'aria-labelledby': 'ws-extend-h' }, h('h2', { id: 'ws-extend-h', text: '延期' }), form);
}
