/**
 * 通知 (the in-app inbox): the person's own `notifications` records, newest first. They
 * arrive by sync like every record, so the inbox is complete even where Web Push never
 * reaches the phone; each links to what it is about. The sweep tells a person of many
 * overdue (or nearly due) subjects at once in one notification with a `count`: it shows
 * "等 N 件". A group of overdue work opens the list of exactly its subjects (#/inbox/ID): the
 * server's `subjects` (the first hundred; a group made before: the accountability records the
 * sweep made with it), late completions included; other groups open the filtered list, and
 * the county's workspace its boards.
 */

import { add, h, fmtShort, lazyList } from '../ui.js';
import { get, list } from '../store.js';
import { WORKSPACE } from '../roles.js';
import { colleagues } from '../colleagues.js';
import { matterNames, subjectTitle } from './common.js';
import { caseRow } from './visits.js';
import { complaintRow } from './complaints.js';

const KINDS = { assigned: '新任务', returned: '检查退回', ordered: '整改要求', reopened: '投诉退回', extended: '延期', due_soon: '即将到期', overdue: '已超期',
  overdue_again: '再次超期', recheck: '称号复查' };
const LINKS = { visits: '#/visit/', cases: '#/case/', complaints: '#/complaint/' };
/** A group's filtered list by collection and kind (phones; the workspace opens its boards). */
const GROUP_LINKS = {
  cases: { overdue: '#/cases?f=overdue', due_soon: '#/cases?f=open' },
  complaints: { overdue: '#/complaints?f=overdue', due_soon: '#/complaints?f=waiting' },
};
const SUBJECTS = { visits: '走访', cases: '办件', inspections: '检查', rectifications: '整改', complaints: '投诉',
  awards: '评优称号' };

/**
 * What single notifications are about, as this phone names it (the title carries no personal
 * data, for Web Push and SMS; the records are already on the phone): a case's applicant and
 * matter, a complaint's first words, a visit's kind and applicant. By notification id.
 * @param {any[]} rows notifications
 */
async function subjectNames(rows) {
  const named = rows.filter((n) => !(n.data.count > 1) && NAMED.has((n.data.subject || {}).collection));
  if (!named.length) return new Map();
  const [matters, records] = await Promise.all([matterNames(),
    Promise.all(named.map((n) => get(n.data.subject.collection, n.data.subject.record)))]);
  const out = new Map();
  named.forEach((n, i) => {
    const title = records[i] ? subjectTitle(n.data.subject.collection, records[i], matters) : '';
    if (title) out.set(n.id, title);
  });
  return out;
}
const NAMED = new Set(['cases', 'complaints', 'visits']);

/** #/inbox */
export async function inboxView(ctx) {
  const rows = (await list('notifications'))
    .sort((a, b) => (b.data.at || 0) - (a.data.at || 0) || (a.id < b.id ? -1 : 1));
  add(ctx.main, h('h1', { text: '通知' }));
  if (!rows.length) {
    add(ctx.main, h('p', { class: 'empty', text: '暂无通知。联网同步后，新的通知会出现在这里。' }));
    return { live: true };
  }
  const names = await subjectNames(rows);
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
      ? (workspace ? '#/ws/boards' : d.kind === 'overdue' ? `#/inbox/${encodeURIComponent(n.id)}`
        : (GROUP_LINKS[subject.collection] || {})[d.kind] || null)
      : link && link + encodeURIComponent(subject.record);
    const label = `${d.title || KINDS[d.kind] || '通知'}（${what}${count ? `等 ${count} 件` : ''}）`;
    return h('li', { class: 'notice', 'data-kind': d.kind },
      h('span', { class: 'tag', text: KINDS[d.kind] || d.kind }),
      href ? h('a', { href, text: label }) : h('span', { text: label }),
      names.get(n.id) ? h('span', { class: 'about', text: names.get(n.id) }) : null,
      d.at ? h('small', { class: 'when', text: fmtShort(d.at) }) : null);
  });
  add(ctx.main, h('ul', { class: 'list inbox', 'aria-label': '通知列表' }, ...items));
  return { live: true }; // redrawn when a sync brings new notifications
}

/**
 * The subjects a grouped `overdue` notification is about: its `subjects` (the server's list,
 * the first hundred); for one made before the server listed them, the accountability
 * records made by the same sweep (detected when it was sent), of its subjects' collection,
 * naming this person, or nobody this phone knows as an enabled colleague (the centre's
 * staff are told of those).
 * @param {any} n the notification
 * @param {any} user the session's user
 */
export async function groupSubjects(n, user) {
  const d = n.data;
  // The server lists a group's subjects (the first hundred) since schema version 5.
  if (Array.isArray(d.subjects) && d.subjects.length) return d.subjects.filter((x) => typeof x === 'string');
  const coll = (d.subject || {}).collection;
  const [accs, people] = await Promise.all([list('accountability'), colleagues()]);
  const known = new Set(people.map((u) => u.id));
  const centres = user.centre_ids || [];
  const ids = accs.filter((a) => {
    const x = a.data;
    if (x.detected_at !== d.at || !x.subject || x.subject.collection !== coll) return false;
    if (x.staff_id === user.id) return true;
    if (centres.length && !centres.includes(x.centre_id)) return false;
    // Told as one of the centre's staff: nobody named, or nobody who can sign in (before the
    // colleagues list has reached the phone, only the first kind is known).
    return !x.staff_id || (known.size > 0 && !known.has(x.staff_id));
  }).map((a) => a.data.subject.record);
  // The subject the notification names is one of them, whatever this phone holds.
  if (d.subject && d.subject.record && !ids.includes(d.subject.record)) ids.unshift(d.subject.record);
  return ids;
}

/** Where a group's subject opens (a rectification too: its page loads on first use). */
const GROUP_ROWS = { ...LINKS, rectifications: '#/rectification/' };

/** #/inbox/ID: the subjects of a grouped overdue notification, late completions included. */
export async function inboxGroupView(ctx) {
  const [id] = ctx.params;
  const n = await get('notifications', id);
  add(ctx.main, h('p', null, h('a', { href: '#/inbox', text: '‹ 返回通知' })));
  if (!n) {
    add(ctx.main, h('h1', { text: '通知' }), h('p', { class: 'empty', text: '找不到这条通知' }));
    return { live: true };
  }
  const d = n.data;
  const coll = (d.subject || {}).collection;
  const ids = await groupSubjects(n, ctx.session.user);
  const wanted = new Set(ids);
  const held = new Map((await list(coll)).filter((r) => wanted.has(r.id)).map((r) => [r.id, r]));
  const matters = coll === 'cases' ? await matterNames() : null;
  const rows = ids.map((rid, i) => held.get(rid) || { id: rid, missing: true, n: i + 1 });
  const item = (r, text) => h('li', null, h('a', { class: 'item', href: `${GROUP_ROWS[coll] || '#/'}${encodeURIComponent(r.id)}`, text }));
  const row = (r) => {
    if (r.missing) return item(r, `第 ${r.n} 项${SUBJECTS[coll] || '事项'}（同步后显示详情）`);
    if (coll === 'cases') return caseRow(r, matters);
    if (coll === 'complaints') return complaintRow(r);
    return item(r, `${SUBJECTS[coll] || '事项'}${r.data.order_text ? `：${String(r.data.order_text).slice(0, 40)}` : ''}`);
  };
  const count = Number.isInteger(d.count) ? d.count : 1;
  // A list capped by the server names the rest only by number: the filtered list shows them.
  const capped = Array.isArray(d.subjects) && d.subjects.length < count;
  const more = rows.length < count
    ? (capped ? `，此处列出前 ${rows.length} 件` : `（另有 ${count - rows.length} 件同步后显示）`) : '';
  const all = capped && (GROUP_LINKS[coll] || {}).overdue;
  add(ctx.main,
    h('h1', { text: d.title || KINDS[d.kind] || '通知' }),
    h('p', { class: 'hint', text: `${fmtShort(d.at)} 发现超期，共 ${capped ? count : rows.length} 件${more}` }),
    all ? h('p', null, h('a', { href: all, text: `查看全部已超期${SUBJECTS[coll] || '事项'}` })) : null,
    lazyList(rows, row, { empty: '同步后显示', label: `${SUBJECTS[coll] || '事项'}列表` }));
  return { live: true };
}
