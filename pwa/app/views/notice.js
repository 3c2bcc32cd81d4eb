/**
 * Printable notices of a case (A4, print CSS in app.css): 受理通知书, 不予受理通知书 (with the
 * reason), 补件清单 (the one-time list of missing materials, 一次性告知) and 退办通知书 (with the
 * reason). The number is the server's (`notice_numbers`, unique per centre, year and kind):
 * a case not yet synced prints "待编号".
 */

import { add, h, fmtDate, fmtTime } from '../ui.js';
import { enumLabel } from '../labels.js';
import { caseTitle, centreNames, found, matterNames } from './common.js';

/** What each notice is called, which status calls for it, and its body. */
export const NOTICES = {
  acceptance: { title: '受理通知书', status: ['accepted', 'supplement', 'handling', 'completed'] },
  refusal: { title: '不予受理通知书', status: ['refused'] },
  supplement: { title: '补件清单（一次性告知）', status: ['supplement'] },
  return: { title: '退办通知书', status: ['returned'] },
};

/**
 * The notices a case can print now: those its status calls for, and any the server has
 * numbered (a notice once issued can be printed again). Pass the case as it stands
 * (`standing`): a list of materials the server refused is no notice to hand anyone, and
 * materials left from an earlier request are not a request now.
 * @param {Record<string, any>} d a case's data as it stands
 */
export function noticesFor(d) {
  return Object.entries(NOTICES).filter(([kind, n]) => n.status.includes(d.status)
    || (d.notice_numbers || {})[kind]).map(([kind]) => kind);
}

/**
 * The acceptance notice's promise: an extended deadline says so, or the applicant reads
 * the later date as the one first promised.
 * @param {Record<string, any>} d
 */
function promiseText(d) {
  if (!d.due_at) return '承诺办结时间以联网同步后服务器计算为准。';
  const days = d.extension && d.extension.days;
  const extended = days ? `（含延期 ${days} 个工作日）` : '';
  return `承诺办结时间：${fmtDate(d.due_at)}${extended}（按工作日计算，补正材料期间不计入）。`;
}

/**
 * When the decision a notice records was taken: the server's `notice_dates` (the time it
 * numbered the notice); before it has synced, where the case keeps it (the acceptance, the
 * supplement request's pause); else the day it prints.
 * @param {string} kind
 * @param {Record<string, any>} d
 */
function decidedAt(kind, d) {
  const dated = (d.notice_dates || {})[kind];
  if (Number.isInteger(dated)) return dated;
  if (kind === 'acceptance') return d.accepted_at;
  const pauses = d.pauses || [];
  return kind === 'supplement' && pauses.length ? pauses[pauses.length - 1].from : null;
}

/** #/case/ID/notice/KIND */
export async function noticeView(ctx) {
  const [id, kind] = ctx.params;
  const c = await found(ctx, 'cases', id, '找不到这个办件');
  const notice = NOTICES[kind];
  if (!c || !notice) return {};
  // What the server holds (with changes still going out), never a change it refused.
  const d = c.standing || c.data;
  if (!noticesFor(d).includes(kind)) {
    add(ctx.main, h('h1', { text: notice.title }),
      h('p', { class: 'box warn', text: `该办件当前状态为“${enumLabel('cases', 'status', d.status) || '未知'}”，不能出具${notice.title}。` }),
      h('div', { class: 'actions' }, h('a', { class: 'btn', href: `#/case/${encodeURIComponent(id)}`, text: '返回办件' })));
    return { live: true };
  }
  const [matters, centres] = await Promise.all([matterNames(), centreNames()]);
  const number = (d.notice_numbers || {})[kind];
  const a = d.applicant || {};
  const centre = centres.get(d.centre_id) || d.centre_id;
  const body = [];
  if (kind === 'acceptance') {
    body.push(h('p', { text: `${a.name || '申请人'}：您于 ${fmtDate(d.accepted_at) || '____'} 申请办理的“${matters.get(d.matter_id) || d.matter_id}”事项，材料齐全，符合法定形式，本中心决定予以受理。` }),
      h('p', { text: promiseText(d) }));
  } else if (kind === 'refusal') {
    body.push(h('p', { text: `${a.name || '申请人'}：您申请办理的“${matters.get(d.matter_id) || d.matter_id}”事项，经审查，本中心决定不予受理。` }),
      h('p', { text: `不予受理理由：${d.refusal_reason || '（未填写）'}` }));
  } else if (kind === 'supplement') {
    body.push(h('p', { text: `${a.name || '申请人'}：您申请办理的“${matters.get(d.matter_id) || d.matter_id}”事项，尚需补正以下材料（一次性告知）：` }),
      h('ol', null, ...(d.missing_materials || []).map((m) => h('li', { text: m }))),
      h('p', { text: '补正材料期间办理时限暂停计算，材料补齐后继续计算。' }));
  } else {
    body.push(h('p', { text: `${a.name || '申请人'}：您申请办理的“${matters.get(d.matter_id) || d.matter_id}”事项，经审查，本中心决定予以退办，申请材料原件退还申请人。` }),
      h('p', { text: `退办理由：${d.return_reason || '（未填写）'}` }));
  }
  add(ctx.main, h('article', { class: 'notice-sheet', 'aria-labelledby': 'notice-title' },
    h('p', { class: 'notice-centre', text: centre }),
    h('h1', { id: 'notice-title', text: notice.title }),
    h('p', { class: 'notice-no', text: `编号：${number || '待编号'}` }),
    h('p', { class: 'hint no-print', text: caseTitle(c, matters) }),
    ...body,
    h('p', { class: 'notice-date', text: `${centre}　${fmtDate(decidedAt(kind, d) || Date.now())}` }),
    h('p', { class: 'hint', text: `打印时间：${fmtTime(Date.now())}` })),
  h('div', { class: 'actions no-print' },
    h('button', { type: 'button', class: 'btn', text: '返回', onclick: () => history.back() }),
    h('button', { type: 'button', class: 'btn primary', text: '打印', onclick: () => window.print() })));
  return { live: true };
}
