/** Visits (上门服务 / 现场踏勘 / 走访): today's list, all visits, and one visit's detail. */

import { add, h, fmtShort, fmtTime, lazyList, toast } from '../ui.js';
import { enumLabel } from '../labels.js';
import { agendaPage, ALL, callbacksDue, edit, get, list, listPage } from '../store.js';
import { go } from '../router.js';
import {
  actionBar, attachmentImg, badges, caseTitle, conflictBox, DUE_LABELS, dueState, found, matterNames, navButton,
  rejectedBox, row,
} from './common.js';
import { mayCallBack } from './callback.js';
import { centreAccountability, explains } from './accountability.js';
import { complaintRow, replyState } from './complaints.js';

const OPEN_CASE = (c) => !['completed', 'refused', 'returned'].includes(c.data.status);

/**
 * One visit in a list: kind, applicant, place and time, and its notes.
 * @param {any} v merged visit
 */
export function visitRow(v) {
  const d = v.data;
  const when = d.status === 'in_progress' ? `开始于 ${fmtShort(d.started_at)}` : fmtShort(d.ended_at || d.planned_at);
  return h('li', null, h('a', { class: 'item', href: `#/visit/${encodeURIComponent(v.id)}` },
    h('div', { class: 'item-top' },
      h('span', { class: `chip kind-${d.kind || ''}`, text: enumLabel('visits', 'kind', d.kind) || '走访' }),
      h('strong', { class: 'grow', text: (d.applicant && d.applicant.name) || '未填申请人' }),
      h('span', { class: `chip st-${d.status || 'planned'}`, text: enumLabel('visits', 'status', d.status || 'planned') })),
    h('div', { class: 'item-sub' }, [d.address, when].filter(Boolean).join(' · ')),
    d.notes ? h('p', { class: 'notes', text: d.notes }) : null,
    h('div', { class: 'badges' }, badges(v))));
}

/**
 * One case in a list.
 * @param {any} c merged case
 * @param {Map<string,string>} matters
 */
export function caseRow(c, matters) {
  const d = c.data;
  const overdue = d.overdue || (d.due_at && d.due_at < Date.now() && OPEN_CASE(c));
  const due = dueState(d);
  return h('li', null, h('a', { class: 'item', href: `#/case/${encodeURIComponent(c.id)}` },
    h('div', { class: 'item-top' },
      h('strong', { class: 'grow', text: caseTitle(c, matters) }),
      due ? h('span', { class: `chip due-${due}`, text: DUE_LABELS[due] }) : null,
      // The status as it stands: never one the server refused (the badges say a change was).
      h('span', { class: `chip cs-${(c.standing || d).status || ''}`, text: enumLabel('cases', 'status', (c.standing || d).status) })),
    h('div', { class: `item-sub${overdue ? ' overdue' : ''}` },
      [enumLabel('cases', 'channel', d.channel), d.due_at ? `承诺 ${fmtTime(d.due_at).split(' ')[0]}${overdue ? '（已超期）' : ''}` : '']
        .filter(Boolean).join(' · ')),
    h('div', { class: 'badges' }, badges(c))));
}

function mine(v, me) {
  return (v.data.staff_ids || []).includes(me);
}

/**
 * Visits 今日 draws at first: a screen and a half of rows. Drawing (laying out) a row costs
 * more than reading it, and the start waits for it; the rest load as the person scrolls.
 */
const FIRST_ROWS = 12;

/**
 * 今日 lists a call-back up to 30 days past its deadline, then only on its case's or visit's
 * page: centres call back a sample of their work, and the rest would pile up for good.
 */
const CALLBACK_WINDOW_MS = 30 * 86400000;

/**
 * Call-backs due, earliest deadline first: one falls due when a case completes or a visit
 * ends (the server sets `callback_due`) and stays due until made (sent or not).
 */
function dueCallbacks(cases, visits, evals, mineCentre, matters, since) {
  const made = evals.filter((e) => e.data.source === 'callback');
  const casesCalled = new Set(made.map((e) => e.data.case_id).filter(Boolean));
  const visitsCalled = new Set(made.map((e) => e.data.visit_id).filter(Boolean));
  const out = cases.filter((c) => mineCentre(c) && c.data.callback_due >= since && !casesCalled.has(c.id))
    .map((c) => ({ due: c.data.callback_due, title: caseTitle(c, matters), href: `#/callback?case=${encodeURIComponent(c.id)}` }));
  for (const v of visits) {
    if (visitsCalled.has(v.id)) continue;
    const d = v.data || {};
    const name = (d.applicant && d.applicant.name) || '';
    out.push({ due: v.callbackDue, title: [enumLabel('visits', 'kind', d.kind), name].filter(Boolean).join(' · '),
      href: `#/callback?visit=${encodeURIComponent(v.id)}${d.case_id ? `&case=${encodeURIComponent(d.case_id)}` : ''}` });
  }
  return out.sort((a, b) => a.due - b.due);
}

/**
 * A call-back due, as a row linking to its form; one past its deadline says so in words
 * (a colour alone is lost on a dim screen and to a screen reader).
 */
function callbackRow(cb) {
  const late = cb.due < Date.now();
  return h('li', null, h('a', { class: 'item', href: cb.href },
    h('div', { class: 'item-top' }, h('strong', { class: 'grow', text: cb.title }),
      late ? h('span', { class: 'chip due-overdue', text: '已超期' }) : null,
      h('span', { class: 'hint', text: `回访期限 ${fmtTime(cb.due).split(' ')[0]}` }))));
}

/** #/callbacks: every call-back due (今日 shows the first ten), earliest deadline first. */
export async function callbacksView(ctx) {
  const centres = ctx.session.user.centre_ids || [];
  const since = Date.now() - CALLBACK_WINDOW_MS;
  const [cases, matters, evals, visitCalls] = await Promise.all([
    list('cases'), matterNames(), list('evaluations'), callbacksDue('visits', since)]);
  const mineCentre = (c) => !centres.length || centres.includes(c.data.centre_id);
  const callbacks = dueCallbacks(cases, visitCalls, evals, mineCentre, matters, since);
  add(ctx.main, h('h1', { text: `待回访（${callbacks.length}）` }),
    h('p', { class: 'hint', text: '办结或走访结束后应回访的，按回访期限排列（期限已过 30 天的不再列出）。' }),
    lazyList(callbacks, callbackRow, { empty: '没有到期的回访', label: '待回访' }),
    actionBar(navButton('返回今日', '#/today')));
  return { live: true };
}

/** 今日: my visits that matter today, and my centre's open cases. */
export async function todayView(ctx) {
  // An inspector sees no applicants' records: their home is the inspections to do.
  if (ctx.session.user.role === 'inspector') {
    go('#/inspections', true);
    return {};
  }
  const me = ctx.session.user.id;
  const centres = ctx.session.user.centre_ids || [];
  const now = Date.now();
  // My visits of today, read from the day index (store agendaPage), not from every visit on
  // the device: in progress first, then by planned time the planned ones due by tonight
  // (overdue ones too) and those ended today; and any visit with unsent work.
  const [today, cases, matters, evals, visitCalls, accs, complaints] = await Promise.all([
    agendaPage('visits', me, new Date(now).setHours(0, 0, 0, 0), new Date(now).setHours(23, 59, 59, 999), FIRST_ROWS),
    list('cases'), matterNames(), list('evaluations'), callbacksDue('visits', now - CALLBACK_WINDOW_MS),
    centreAccountability(ctx.session.user), list('complaints')]);
  const mineCentre = (c) => !centres.length || centres.includes(c.data.centre_id);
  // Complaints whose reply is late or due within two days: the centre's, most urgent first.
  const owed = complaints.filter((c) => mineCentre(c) && replyState(c.standing || c.data, now))
    .sort((a, b) => ((a.standing || a.data).reply_due || 0) - ((b.standing || b.data).reply_due || 0));
  const unexplained = accs.filter((a) => a.data.status === 'open').length;
  const open = cases.filter((c) => OPEN_CASE(c) && mineCentre(c))
    .sort((a, b) => (a.data.due_at || Infinity) - (b.data.due_at || Infinity));
  const d = new Date();
  const due = { overdue: 0, today: 0, soon: 0 };
  for (const c of cases) {
    const st = mineCentre(c) ? dueState(c.data, now) : null;
    if (st) due[st] += 1;
  }
  const callbacks = dueCallbacks(cases, visitCalls, evals, mineCentre, matters, now - CALLBACK_WINDOW_MS);
  add(ctx.main, 
    h('h1', null, '今日', h('small', { text: ` ${d.getMonth() + 1}月${d.getDate()}日 周${'日一二三四五六'[d.getDay()]}` })),
    h('p', { class: 'hint', text: `${ctx.session.user.name || ''}，今天有 ${today.total} 项走访，本中心在办件 ${open.length} 件。` }),
    h('section', { 'aria-label': '我的走访' }, h('h2', { text: `我的走访（${today.total}）` }),
      lazyList(today, visitRow, { empty: '今天没有安排走访', label: '我的走访' })),
    h('nav', { class: 'seg due-links', 'aria-label': '办件期限' }, ...Object.entries(DUE_LABELS).map(([k, label]) =>
      h('a', { href: `#/cases?f=${k}`, class: `due-${k}`, text: `${label} ${due[k]}` }))),
    // The centre's overdue work waiting for its explanation (情况说明): one tap to the list.
    unexplained ? h('p', { class: 'more-link' }, h('a', { href: '#/accountability',
      text: `问责待说明 ${unexplained} 件${explains(ctx.session.user.role) ? '，请填写情况说明' : ''}` })) : null,
    owed.length ? h('section', { 'aria-label': '待答复投诉' }, h('h2', { text: `待答复投诉（${owed.length}）` }),
      lazyList(owed.slice(0, 5), complaintRow, { label: '待答复投诉' }),
      owed.length > 5 ? h('a', { class: 'more-link', href: '#/complaints?f=waiting', text: '查看全部待答复投诉' }) : null) : null,
    h('section', { 'aria-label': '待回访' }, h('h2', { text: `待回访（${callbacks.length}）` }),
      lazyList(callbacks.slice(0, 10), callbackRow, { empty: '没有到期的回访', label: '待回访' }),
      callbacks.length > 10 ? h('a', { class: 'more-link', href: '#/callbacks', text: `查看全部 ${callbacks.length} 项` }) : null),
    h('section', { 'aria-label': '本中心在办件' }, h('h2', { text: `本中心在办件（${open.length}）` }),
      lazyList(open.slice(0, 20), (c) => caseRow(c, matters), { empty: '没有在办件', label: '在办件' }),
      open.length > 20 ? h('a', { class: 'more-link', href: '#/cases', text: `查看全部 ${open.length} 件` }) : null),
    actionBar(navButton('新建上门服务', '#/visit/new/home_service', 'btn primary'),
      navButton('新建现场踏勘', '#/visit/new/site_survey'), navButton('回访走访', '#/visit/new/follow_up')));
  return { live: true };
}

/**
 * Visits by planned (else started) time, newest first: the keys are read once, not in
 * every comparison (10,000 rows).
 * @param {any[]} visits
 */
function newestFirst(visits) {
  const t = new Float64Array(visits.length);
  const order = new Uint32Array(visits.length);
  for (let i = 0; i < visits.length; i += 1) {
    t[i] = visits[i].data.planned_at || visits[i].data.started_at || 0;
    order[i] = i;
  }
  order.sort((a, b) => t[b] - t[a]);
  return Array.from(order, (i) => visits[i]);
}

/** 走访: every visit of my centre (mine first by default), newest first. */
export async function visitsView(ctx) {
  const t0 = performance.now();
  const me = ctx.session.user.id;
  const all = ctx.query.get('all') === '1';
  const q = (ctx.query.get('q') || '').trim();
  /** @type {any[] | {total: number, first: any[], more: (n: number) => Promise<any[]>}} */
  let visits;
  if (q) {
    // A search reads whole records (a long note is cut in the list rows).
    visits = (await list('visits')).filter((v) => all || mine(v, me) || v.pending || v.rejected.length)
      .filter((v) => [v.data.applicant && v.data.applicant.name, v.data.address, v.data.notes]
        .some((s) => s && String(s).includes(q)));
    visits = newestFirst(visits);
  } else {
    // The first rows and the count come from an index in list order (store/lists.js): the
    // cost does not grow with the number of visits; more rows load as the person scrolls.
    visits = await listPage('visits', all ? ALL : me);
  }
  const total = Array.isArray(visits) ? visits.length : visits.total;
  const search = /** @type {HTMLInputElement} */ (h('input', { type: 'search', value: q, placeholder: '搜索申请人、地址、备注',
    'aria-label': '搜索走访' }));
  search.addEventListener('change', () => go(`#/visits?${new URLSearchParams({ all: all ? '1' : '0', q: search.value })}`, true));
  add(ctx.main, 
    h('h1', { text: '走访记录' }),
    h('div', { class: 'seg', role: 'group', 'aria-label': '范围' },
      h('a', { href: '#/visits', 'aria-current': all ? null : 'page', text: '我的' }),
      h('a', { href: '#/visits?all=1', 'aria-current': all ? 'page' : null, text: '本中心全部' })),
    search,
    h('p', { class: 'hint', text: `共 ${total} 条` }),
    lazyList(visits, visitRow, { empty: '没有走访记录', label: '走访列表' }),
    actionBar(navButton('新建上门服务', '#/visit/new/home_service', 'btn primary'),
      navButton('新建现场踏勘', '#/visit/new/site_survey'), navButton('回访走访', '#/visit/new/follow_up')));
  ctx.main.dataset.renderMs = String(Math.round(performance.now() - t0));
  return { live: true };
}

/**
 * What was kept instead of the applicant's signature (代签 with a witness, or 按手印).
 * @param {any} f visit.signature_fallback
 * @param {string} token
 */
function fallbackSection(f, token) {
  if (!f || !f.kind) return null;
  return h('section', { 'aria-label': '申请人签名（替代方式）' }, h('h2', { text: '申请人签名（替代方式）' }),
    h('dl', { class: 'kvs' },
      row('方式', enumLabel('visits', 'signature_fallback.kind', f.kind)),
      row('原因', f.reason),
      row('见证人', f.witness),
      row('记录时间', fmtTime(f.at))),
    f.photo ? attachmentImg(f.photo, '手印照片', token) : null);
}

/** Visits being started: the GPS wait can outlast a redraw that re-enables the button. */
const starting = new Set();

/** Start a visit: time and GPS position (with its accuracy), in one change. */
async function startVisit(v) {
  if (starting.has(v.id)) return;
  starting.add(v.id);
  try {
    await startOnce(v);
  } catch (err) {
    toast(`未能开始：${err.message || err}`, 'error');
  } finally {
    starting.delete(v.id);
  }
}

async function startOnce(v) {
  const set = { status: 'in_progress', started_at: Date.now() };
  toast('正在获取定位…');
  const pos = await new Promise((resolve) => {
    if (!navigator.geolocation) return resolve(null);
    navigator.geolocation.getCurrentPosition(resolve, () => resolve(null), { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
  });
  if (pos) {
    set['location.lat'] = Math.round(pos.coords.latitude * 1e6) / 1e6;
    set['location.lon'] = Math.round(pos.coords.longitude * 1e6) / 1e6;
    set['location.accuracy'] = Math.round(pos.coords.accuracy);
  }
  await edit('visits', v.id, set);
  toast(pos ? `已开始，定位精度约 ${set['location.accuracy']} 米` : '已开始（未能获取定位）');
}

/** One visit: everything recorded, conflicts and rejections, and the next step. */
export async function visitView(ctx) {
  const [id] = ctx.params;
  const v = await found(ctx, 'visits', id, '找不到这条走访记录');
  if (!v) return { live: true };
  const d = v.data;
  const linked = d.case_id ? await get('cases', d.case_id) : null;
  const matters = linked ? await matterNames() : new Map();
  const loc = d.location && d.location.lat !== undefined
    ? `${d.location.lat}, ${d.location.lon}${d.location.accuracy !== undefined ? `（精度约 ${d.location.accuracy} 米）` : ''}` : '';
  const status = d.status || 'planned';
  const actions = [];
  if (status === 'planned') {
    actions.push(h('button', { type: 'button', class: 'btn primary', text: '开始上门', disabled: starting.has(v.id),
      onclick: async (e) => {
        const b = /** @type {HTMLButtonElement} */ (e.currentTarget);
        b.disabled = true;
        await startVisit(v);
        b.disabled = false;
      } }));
  }
  if (status === 'planned' || status === 'in_progress') actions.push(navButton('完成', `#/visit/${encodeURIComponent(id)}/finish`, status === 'in_progress' ? 'btn primary' : 'btn'));
  actions.push(navButton('编辑', `#/visit/${encodeURIComponent(id)}/edit`));
  if (mayCallBack('visits', v.standing || d)) actions.push(navButton('回访', `#/callback?visit=${encodeURIComponent(id)}${d.case_id ? `&case=${encodeURIComponent(d.case_id)}` : ''}`));
  add(ctx.main, 
    h('h1', null, enumLabel('visits', 'kind', d.kind) || '走访', ' ', h('span', { class: `chip st-${status}`, text: enumLabel('visits', 'status', status) })),
    h('div', { class: 'badges' }, badges(v)),
    rejectedBox(v),
    conflictBox(v, ctx.session, ctx.rerender),
    h('dl', { class: 'kvs' },
      row('申请人', d.applicant && d.applicant.name),
      row('联系电话', d.applicant && d.applicant.phone ? h('a', { href: `tel:${d.applicant.phone}`, text: d.applicant.phone }) : ''),
      row('地址', d.address),
      row('事由', d.reason),
      row('计划时间', fmtTime(d.planned_at)),
      row('开始时间', fmtTime(d.started_at)),
      row('结束时间', fmtTime(d.ended_at)),
      row('定位', loc),
      row('关联办件', linked ? h('a', { href: `#/case/${encodeURIComponent(linked.id)}`, text: caseTitle(linked, matters) }) : d.case_id),
      row('办理结果', d.outcome),
      row('备注', d.notes ? h('span', { class: 'pre', text: d.notes }) : '')),
    (d.photos || []).length ? h('section', null, h('h2', { text: `照片（${d.photos.length}）` }),
      h('div', { class: 'thumbs' }, d.photos.map((sha, i) => attachmentImg(sha, `照片 ${i + 1}`, ctx.session.token)))) : null,
    d.signature ? h('section', null, h('h2', { text: '申请人签名' }), attachmentImg(d.signature, '申请人签名', ctx.session.token)) : null,
    fallbackSection(d.signature_fallback, ctx.session.token),
    actionBar(...actions));
  return { live: true };
}
