/**
 * Complaint verification (投诉核实) in the county workspace. Supervisors' devices never hold
 * complaints (applicants' data stays on the server), so the replied complaints come from the
 * paged, masked list endpoint; a supervisor reads the centre's reply and either confirms it
 * (status `verified`) or sends it back for a new reply (status `open`, with the reason in
 * `verification.comment`). Both are ops through the outbox, based on the version the list
 * returned, judged by the schemas' rights on the server (`verified`, `verification.*`, status
 * `verified` and the move `replied` → `open`: supervisors and admins), and they reach the
 * centre's phone by sync. The buttons are shown only to a role those rights allow.
 */

import { h, fmtTime, toast } from '../../ui.js';
import { pagedList, recordHref, recordRow, sendEdit } from './kit.js';
import { inlineForm } from './queues.js';
import { canSet } from '../../rights.js';

/** Whether a complaint (its data) waits for a supervisor's verification. */
export const awaitsVerification = (d) => !!d && d.status === 'replied' && !!d.reply && d.verified !== true;

/**
 * The verification block of one complaint from a list: the reply, what the last
 * verification said, and (while it waits) confirm / send back.
 * @param {any} ctx router context
 * @param {{id: string, version: number, centre_name?: string, data: any}} item
 * @param {(text: string) => void} [done] called with what happened (default: redraw)
 */
export function verifyBlock(ctx, item, done) {
  const d = item.data || {};
  const v = d.verification || {};
  const me = ctx.session.user.id;
  const finish = done || (() => ctx.rerender());
  const send = async (set, msg) => {
    const how = await sendEdit('complaints', item.id, item.version, set);
    toast(how === 'queued' ? `${msg}（联网后发送）` : msg);
    finish(msg);
  };
  const role = ctx.session.user.role;
  const judges = canSet(role, 'complaints', 'verification.passed');
  const confirms = judges && canSet(role, 'complaints', 'verified') && canSet(role, 'complaints', 'status', 'verified', d.status);
  const sendsBack = judges && canSet(role, 'complaints', 'status', 'open', d.status);
  const actions = awaitsVerification(d) && (confirms || sendsBack) ? h('div', { class: 'ws-actions' },
    confirms ? h('button', { class: 'btn small primary', type: 'button', text: '确认核实', 'aria-label': `确认核实：${item.centre_name || ''}的投诉`,
      onclick: () => send({ status: 'verified', verified: true, 'verification.by': me, 'verification.at': Date.now(),
        'verification.passed': true }, '已核实').catch((e) => toast(e.message, 'error')) }) : null,
    sendsBack ? inlineForm('退回意见', '退回重新答复', (comment) => send({ status: 'open', 'verification.by': me,
      'verification.at': Date.now(), 'verification.passed': false, 'verification.comment': comment }, '已退回重新答复')) : null)
    : null;
  return h('div', { class: 'ws-verify' },
    h('p', null, h('span', { class: 'k', text: '答复：' }), h('span', { class: 'pre', text: d.reply || '（尚未答复）' }),
      d.replied_at ? h('span', { class: 'hint', text: `（${fmtTime(d.replied_at)}）` }) : null),
    v.at ? h('p', { class: 'hint', text: `上次核实：${v.passed ? '属实' : '退回重新答复'}（${fmtTime(v.at)}）${v.comment ? `：${v.comment}` : ''}` }) : null,
    actions);
}

/** The board of replied complaints waiting for verification (a tab of 督办看板). */
export async function verifyBoard(ctx) {
  return h('div', null, h('p', { class: 'hint', text: '中心已答复、等待督查核实的投诉。核实属实后确认；答复不实可写明意见退回，中心重新答复。' }),
    await pagedList(ctx.session, '/records/complaints?status=replied&limit=50', (item) => {
      const li = recordRow(item);
      li.append(verifyBlock(ctx, item, (msg) => {
        li.replaceChildren(h('a', { href: recordHref('complaints', item.id), class: 'ws-row-title', text: item.centre_name || item.id }),
          h('p', { class: 'hint', role: 'status', text: msg }));
      }));
      return li;
    }, '待核实投诉'));
}
