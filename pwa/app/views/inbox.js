/**
 * 通知 (the in-app inbox): the person's own `notifications` records, newest first. They
 * arrive by sync like every record, so the inbox is complete even where Web Push never
 * reaches the phone; each links to what it is about. The sweep tells a person of many
 * overdue (or nearly due) subjects at once in one notification with a `count`: it shows
 * "等 N 件" and opens the filtered list (the county's workspace: the boards) instead.
 */

import { add, h, fmtShort } from '../ui.js';
import { list } from '../store.js';
import { WORKSPACE } from '../roles.js';

const KINDS = { assigned: '新任务', returned: '检查退回', ordered: '整改要求', reopened: '投诉退回', due_soon: '即将到期', overdue: '已超期',
  recheck: '称号复查' };
const LINKS = { visits: '#/visit/', cases: '#/case/', complaints: '#/complaint/' };
/** A group's filtered list by collection and kind (phones; the workspace opens its boards). */
const GROUP_LINKS = {
  cases: { overdue: '#/cases?f=overdue', due_soon: '#/cases?f=open' },
  complaints: { overdue: '#/complaints?f=overdue', due_soon: '#/complaints?f=waiting' },
};
const SUBJECTS = { visits: '走访', cases: '办件', inspections: '检查', rectifications: '整改', complaints: '投诉',
  awards: '评优称号' };

/** #/inbox */
export async function inboxView(ctx) {
  const rows = (await list('notifications'))
    .sort((a, b) => (b.data.at || 0) - (a.data.at || 0) || (a.id < b.id ? -1 : 1));
  add(ctx.main, h('h1', { text: '通知' }));
  if (!rows.length) {
    add(ctx.main, h('p', { class: 'empty', text: '暂无通知。联网同步后，新的通知会出现在这里。' }));
    return { live: true };
  }
  const items = rows.map((n) => {
    const d = n.data;
    const subject = d.subject || {};
    const what = `${SUBJECTS[subject.collection] || '事项'}`;
    const workspace = WORKSPACE.includes(ctx.session.user.role);
    const count = Number.isInteger(d.count) && d.count > 1 ? d.count : 0;
    // An award opens in the county workspace (supervisors, admins); other roles read the title.
    const link = subject.collection === 'awards'
      ? (workspace ? '#/ws/record/awards/' : null) : LINKS[subject.collection];
    const href = count
      ? (workspace ? '#/ws/boards' : (GROUP_LINKS[subject.collection] || {})[d.kind] || null)
      : link && link + encodeURIComponent(subject.record);
    const label = `${d.title || KINDS[d.kind] || '通知'}（${what}${count ? `等 ${count} 件` : ''}）`;
    return h('li', { class: 'notice', 'data-kind': d.kind },
      h('span', { class: 'tag', text: KINDS[d.kind] || d.kind }),
      href ? h('a', { href, text: label }) : h('span', { text: label }),
      d.at ? h('small', { class: 'when', text: fmtShort(d.at) }) : null);
  });
  add(ctx.main, h('ul', { class: 'list inbox', 'aria-label': '通知列表' }, ...items));
  return { live: true }; // redrawn when a sync brings new notifications
}
