/**
 * Boards: overdue and due-soon cases with their accountability (问责) records, open
 * rectifications by due date, complaints waiting for a reply. Every row names its
 * township and links to the record; the server sorts soonest due first.
 */

import { h, fmtTime } from '../../ui.js';
import { enumLabel } from '../../labels.js';
import { names, pagedList, recordRow, screen } from './kit.js';
import { verifyBoard } from './complaints.js';

const TABS = /** @type {[string, string][]} */ ([
  ['#/ws/boards?tab=overdue', '超期与临期办件'], ['#/ws/boards?tab=rectifications', '整改'], ['#/ws/boards?tab=complaints', '待回复投诉'],
  ['#/ws/boards?tab=verify', '待核实投诉']]);

function accountability(list) {
  if (!list || !list.length) return null;
  return h('ul', { class: 'ws-sub', 'aria-label': '问责记录' }, list.map((a) => {
    const d = a.data || a;
    return h('li', null, h('a', { href: `#/ws/record/accountability/${encodeURIComponent(a.id)}`,
      text: `问责：${enumLabel('accountability', 'status', d.status || '') || d.status || ''}` }),
    d.detected_at ? h('span', { class: 'hint', text: ` 发现于 ${fmtTime(d.detected_at)}` }) : null,
    d.explanation ? h('span', { class: 'hint', text: ` 说明：${d.explanation}` }) : null);
  }));
}

/** #/ws/boards?tab=overdue|rectifications|complaints|verify */
export async function boardsView(ctx) {
  const tab = ['overdue', 'rectifications', 'complaints', 'verify'].includes(ctx.query.get('tab') || '') ? ctx.query.get('tab') : 'overdue';
  await screen(ctx, '督办看板', async () => {
    if (tab === 'overdue') {
      const n = await names(ctx.session);
      return h('div', null, h('p', { class: 'hint', text: '已超期和 3 天内到期的在办件，最先到期的在前。' }),
        await pagedList(ctx.session, '/boards/overdue?within_days=3&limit=50',
          (item) => recordRow(item, accountability(item.accountability), n), '超期与临期办件'));
    }
    if (tab === 'verify') return verifyBoard(ctx);
    if (tab === 'rectifications') {
      return h('div', null, h('p', { class: 'hint', text: '未完成的整改，按整改期限排序。' }),
        await pagedList(ctx.session, '/boards/rectifications?limit=50', (item) => recordRow(item), '未完成整改'));
    }
    return h('div', null, h('p', { class: 'hint', text: '等待答复的投诉，按答复期限排序。' }),
      await pagedList(ctx.session, '/boards/complaints?limit=50', (item) => recordRow(item), '待回复投诉'));
  }, TABS);
  return { live: false };
}
