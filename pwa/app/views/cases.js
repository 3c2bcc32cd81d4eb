/** Cases (办件): the centre's list, one case, and registering or editing a case. */

import { deadlineCaveat } from '../calendar.js';
import { frozen } from '../rights.js';
import { add, h, field, fmtTime, lazyList, maskId, select, toast } from '../ui.js';
import { enumLabel } from '../labels.js';
import { edit, getPath, list, listSummaries } from '../store.js';
import { enumOf, nextValues, ratings, validate } from '../schema.js';
import { go, replaceQuery } from '../router.js';
import { FormProblems } from '../errors.js';
import { changedPaths } from '../forms.js';
import {
  actionBar, badges, caseTitle, centreNames, conflictBox, DUE_LABELS, dueState, formRecord, found, matterNames,
  navButton, recordForm, rejectedBox, row, statusChips,
} from './common.js';
import { caseRow, visitRow } from './visits.js';
import { NOTICES, noticesFor } from './notice.js';
import { colleagues, personLabel } from '../colleagues.js';
import { accountabilitySection } from './accountability.js';
import { mayCallBack } from './callback.js';

const DONE = ['completed', 'refused', 'returned'];

/**
 * What a search looks in, as the person may see it: the applicant's name, the phone number in
 * full, with or without its country code (the case page shows it to every role that holds
 * cases, as a tel: link), the matter,
 * the notes, and of the ID number only what the page shows (maskId: the first and last four),
 * so its last digits are found and a hidden digit never is ("1234" finds …1234; "001234" finds
 * nothing, its first two digits being masked).
 * @param {any} c a case
 * @param {string} q the search, trimmed
 * @param {Map<string, string>} matters
 */
export function caseMatches(c, q, matters) {
  const a = c.data.applicant || {};
  if ([a.name, matters.get(c.data.matter_id), c.data.notes].some((s) => s && String(s).includes(q))) return true;
  const digits = q.replace(/[\s-]/g, '');
  if (!/^\+?[0-9]+[Xx]?$/.test(digits)) return false;
  // A phone number as written, with the country code or without (+86 139…, 0086…, 139…).
  const national = (s) => s.replace(/[^0-9+]/g, '').replace(/^(\+|00)86(?=\d{5})/, '');
  if (a.phone && /^\+?[0-9]+$/.test(digits) && national(String(a.phone)).includes(national(digits))) return true;
  return !!a.id_number && maskId(String(a.id_number)).toUpperCase().endsWith(digits.toUpperCase());
}

/**
 * When a case was last decided on: its completion, its latest notice (a refusal or return has
 * no acceptance time), else its acceptance: finished work sorts by when it finished.
 * @param {Record<string, any>} d
 */
const decidedLast = (d) => d.completed_at
  || Math.max(0, ...Object.values(d.notice_dates || {}).filter(Number.isInteger)) || d.accepted_at || 0;

/** 办件: open cases first (overdue on top), or all; searched as you type (applicant, phone, ID's last digits). */
export async function casesView(ctx) {
  const filter = ctx.query.get('f') || 'open';
  let q = (ctx.query.get('q') || '').trim();
  const [all, matters] = await Promise.all([list('cases'), matterNames()]);
  let cases = all;
  if (filter === 'open') cases = cases.filter((c) => !DONE.includes(c.data.status));
  if (filter === 'done') cases = cases.filter((c) => DONE.includes(c.data.status));
  if (filter in DUE_LABELS) {
    const now = Date.now();
    cases = cases.filter((c) => dueState(c.data, now) === filter);
  }
  cases.sort(filter === 'open' || filter in DUE_LABELS
    ? (a, b) => (a.data.due_at || Infinity) - (b.data.due_at || Infinity)
    : (a, b) => decidedLast(b.data) - decidedLast(a.data));
  const searched = (text) => (text ? cases.filter((c) => caseMatches(c, text, matters)) : cases);
  const draw = (rows) => lazyList(rows, (c) => caseRow(c, matters), { empty: '没有办件', label: '办件列表' });
  const first = searched(q);
  const search = /** @type {HTMLInputElement} */ (h('input', { type: 'search', value: q, placeholder: '搜索申请人、电话、身份证后四位、事项', 'aria-label': '搜索办件' }));
  // Polite: read out after the person stops typing; focus stays in the search box.
  const count = h('p', { class: 'hint', role: 'status', 'aria-live': 'polite', text: `共 ${first.length} 件` });
  let shown = draw(first);
  let timer = 0;
  const apply = () => {
    clearTimeout(timer);
    // The person has left the list (a search still waiting, or the box's change as the screen
    // goes): nothing to search, and the address is the new screen's.
    if (!search.isConnected) return;
    const text = search.value.trim();
    if (text === q) return;
    q = text;
    const rows = searched(q);
    const next = draw(rows);
    shown.replaceWith(next);
    shown = next;
    count.textContent = `共 ${rows.length} 件`;
    // In the address (a redraw after a sync keeps it), without drawing the screen again.
    replaceQuery(where(filter));
    for (const [f, a] of tabs) a.setAttribute('href', where(f));
  };
  search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(apply, 250); });
  search.addEventListener('change', apply); // Enter (and leaving the box): at once
  search.addEventListener('keydown', (e) => { if (e.key === 'Enter') apply(); });
  // Links to filtered views: the current one is marked aria-current (not aria-pressed, which links may not carry).
  // A filter keeps the search: the person narrows one list, not starts over.
  const where = (f) => `#/cases?${new URLSearchParams(q ? { f, q } : { f })}`;
  /** @type {[string, HTMLElement][]} */
  const tabs = [];
  const tab = (f, text) => {
    const a = h('a', { href: where(f), 'aria-current': filter === f ? 'page' : null, text });
    tabs.push([f, a]);
    return a;
  };
  add(ctx.main, 
    h('h1', { text: '办件' }),
    h('div', { class: 'seg', role: 'group', 'aria-label': '筛选' }, tab('open', '在办'), tab('overdue', '已超期'), tab('today', '当天到期'),
      tab('soon', '即将到期'), tab('done', '已办结'), tab('all', '全部')),
    search,
    count,
    shown,
    actionBar(navButton('登记办件', '#/case/new', 'btn primary')));
  return { live: true };
}

/** One case: applicant, matter, dates (deadline computed by the server), visits and call-backs. */
export async function caseView(ctx) {
  const [id] = ctx.params;
  const c = await found(ctx, 'cases', id, '找不到这个办件');
  if (!c) return { live: true };
  // The case as the server holds it (with changes still going out): a status or materials
  // it refused are shown in the rejected box, never as the case's facts.
  const d = c.standing || c.data;
  const [matters, centres, visits, evals, caveat] = await Promise.all([matterNames(), centreNames(),
    listSummaries('visits'), list('evaluations'), deadlineCaveat(DONE.includes(d.status) ? null : d.due_at)]);
  const linkedVisits = visits.filter((v) => v.data.case_id === id);
  const callbacks = evals.filter((e) => e.data.case_id === id);
  const points = new Map(ratings().map((r) => [r.value, r]));
  const a = d.applicant || {};
  add(ctx.main, 
    h('h1', null, caseTitle(c, matters), ' ', statusChips(c, 'cs-', (v) => enumLabel('cases', 'status', v))),
    h('div', { class: 'badges' }, badges(c)),
    rejectedBox(c),
    conflictBox(c, ctx.session, ctx.rerender),
    h('dl', { class: 'kvs' },
      row('申请人', a.name),
      row('身份证号', maskId(a.id_number)),
      row('联系电话', a.phone ? h('a', { href: `tel:${a.phone}`, text: a.phone }) : ''),
      row('事项', matters.get(d.matter_id) || d.matter_id),
      row('服务中心', centres.get(d.centre_id) || d.centre_id),
      row('受理渠道', enumLabel('cases', 'channel', d.channel)),
      row('受理时间', fmtTime(d.accepted_at)),
      row('承诺办结', d.due_at ? [`${fmtTime(d.due_at)}${d.overdue ? '（已超期）' : ''}`,
        caveat ? h('small', { class: 'hint caveat', text: `（${caveat}）` }) : ''] : ''),
      row('暂停计时', (d.pauses || []).map((p) => `${fmtTime(p.from)} 至 ${p.to ? fmtTime(p.to) : '今'}`).join('；')),
      row('尚余工作日', d.days_owed === null || d.days_owed === undefined ? '' : `${d.days_owed} 天（等待补件）`),
      row('延期', d.extension && d.extension.days ? `${d.extension.days} 个工作日：${d.extension.reason || ''}` : ''),
      row('办结时间', fmtTime(d.completed_at)),
      row('补件清单', (d.missing_materials || []).join('、')),
      row('不予受理原因', d.refusal_reason),
      row('退办理由', d.return_reason),
      row('备注', d.notes ? h('span', { class: 'pre', text: d.notes }) : '')),
    noticesFor(d).length ? h('section', null, h('h2', { text: '通知书' }),
      h('ul', { class: 'list notices' }, ...noticesFor(d).map((k) => h('li', null,
        h('a', { class: 'btn', href: `#/case/${encodeURIComponent(id)}/notice/${k}`,
          text: `${NOTICES[k].title}${(d.notice_numbers || {})[k] ? '' : '（待编号）'}` }))))) : null,
    await accountabilitySection(ctx, 'cases', id),
    await handoverSection(ctx, id, d),
    h('section', null, h('h2', { text: `走访（${linkedVisits.length}）` }), lazyList(linkedVisits, visitRow, { empty: '还没有走访' })),
    h('section', null, h('h2', { text: `回访（${callbacks.length}）` }),
      lazyList(callbacks, (e) => h('li', { class: 'item' },
        h('div', { class: 'item-top' }, h('strong', { class: 'grow', text: (points.get(e.data.rating) || {}).label || e.data.rating }),
          h('span', { class: 'hint', text: fmtTime(e.data.at) })),
        e.data.comment ? h('p', { class: 'notes', text: e.data.comment }) : null, h('div', { class: 'badges' }, badges(e))),
      { empty: '还没有回访' })),
    actionBar(navButton('编辑', `#/case/${encodeURIComponent(id)}/edit`),
      navButton('上门服务', `#/visit/new/home_service?case=${encodeURIComponent(id)}&from=${encodeURIComponent(`#/case/${id}`)}`),
      mayCallBack('cases', d) ? navButton('回访', `#/callback?case=${encodeURIComponent(id)}`, 'btn primary') : null));
  return { live: true };
}

/**
 * 首问负责: who first took the case and who owns it now, the hand-overs so far (the
 * `handed_to` map: {from, to, at, note}), and an explicit hand-over to a colleague of the
 * centre (handler_id moves to the new owner in the same change). Colleagues are picked by
 * name from the centre's people the phone keeps (colleagues.js); before that list has
 * reached the phone, an account id can be typed.
 */
async function handoverSection(ctx, id, d) {
  const owner = d.handler_id || d.first_asked_by;
  const history = Object.values(d.handed_to || {}).sort((a, b) => (a.at || 0) - (b.at || 0));
  const people = await colleagues(d.centre_id);
  const all = new Map((await colleagues()).map((u) => [u.id, u]));
  const who = (uid) => personLabel(all, uid);
  const choices = people.filter((u) => u.id !== owner);
  /** @type {HTMLInputElement | HTMLSelectElement} */
  let to;
  const fields = [];
  if (people.length) {
    to = /** @type {HTMLSelectElement} */ (select(choices.map((u) => [u.id, who(u.id)])));
    to.name = 'to';
    fields.push(field('移交给（同事）', to, choices.length ? '移交后由对方负责到底' : '本中心没有其他同事可移交').wrap);
  } else {
    to = /** @type {HTMLInputElement} */ (h('input', { name: 'to', autocomplete: 'off' }));
    fields.push(field('移交给（同事账号）', to, '同事名单同步后可按姓名选择；移交后由对方负责到底').wrap);
  }
  const note = h('textarea', { rows: 2, name: 'note' });
  const form = recordForm([...fields, field('移交说明', note).wrap], async () => {
    const target = to.value.trim();
    const why = /** @type {HTMLTextAreaElement} */ (note).value.trim();
    const problems = [];
    if (!target) problems.push({ path: 'to', message: people.length ? '请选择接手的同事' : '请填写接手同事的账号' });
    else if (target === owner) problems.push({ path: 'to', message: '已由此人负责' });
    if (problems.length) throw new FormProblems(problems);
    const key = `h${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    /** @type {Record<string, any>} */
    const set = { handler_id: target, [`handed_to.${key}.from`]: owner || ctx.session.user.id,
      [`handed_to.${key}.to`]: target, [`handed_to.${key}.at`]: Date.now() };
    if (why) set[`handed_to.${key}.note`] = why;
    await edit('cases', id, set);
    toast('已移交，联网后自动同步');
    ctx.rerender();
  });
  return h('section', { 'aria-labelledby': `fa-${id}` }, h('h2', { id: `fa-${id}`, text: '首问负责' }),
    h('dl', { class: 'kvs' }, row('首问人', who(d.first_asked_by)), row('当前负责人', who(owner))),
    history.length ? h('ol', { class: 'list handovers', 'aria-label': '移交记录' }, ...history.map((x) => h('li', { class: 'item' },
      h('strong', { text: `${who(x.from) || '—'} → ${who(x.to) || '—'}` }), ' ', h('span', { class: 'hint', text: fmtTime(x.at) }),
      x.note ? h('p', { class: 'notes', text: x.note }) : null))) : h('p', { class: 'hint', text: '尚未移交' }),
    h('details', { class: 'fold' }, h('summary', { text: '移交给同事' }), form));
}

/** Register a case at the centre (#/case/new) or edit one (#/case/ID/edit). */
export async function caseFormView(ctx) {
  const rec = await formRecord(ctx, 'cases', '找不到这个办件');
  if (!rec) return {};
  const { isNew, id, data, me, centres } = rec;
  const [matters, centreNameMap] = await Promise.all([list('matters'), centreNames()]);
  /** @type {Record<string, any>} */
  const inputs = {};
  const text = (path, label, attrs = {}, hint) => {
    const v = getPath(data, path);
    inputs[path] = h(attrs.rows ? 'textarea' : 'input', { ...attrs, name: path, value: v === undefined || v === null ? '' : String(v) });
    return field(label, inputs[path], hint).wrap;
  };
  const fields = [];
  if (isNew && centres.length > 1) {
    inputs.centre_id = select(centres.map((c) => [c, centreNameMap.get(c) || c]), centres[0], false);
    fields.push(field('服务中心', inputs.centre_id).wrap);
  }
  fields.push(text('applicant.name', '申请人姓名', { autocomplete: 'off' }),
    text('applicant.id_number', '身份证号', { autocomplete: 'off', inputmode: 'text' }, '18 位，末位可为 X'),
    text('applicant.phone', '联系电话', { type: 'tel', inputmode: 'tel', autocomplete: 'off' }));
  const active = matters.filter((m) => m.data.active !== false || m.id === data.matter_id)
    .sort((a, b) => String(a.data.name).localeCompare(String(b.data.name), 'zh'));
  if (active.length) {
    inputs.matter_id = select(active.map((m) => [m.id, m.data.name || m.id]), data.matter_id);
    fields.push(field('办理事项', inputs.matter_id).wrap);
  } else {
    fields.push(text('matter_id', '事项编号', { autocomplete: 'off' }, '本机还没有事项目录，请填写事项编号'));
  }
  inputs.channel = select(enumOf('cases', 'channel').map((v) => [v, enumLabel('cases', 'channel', v)]), data.channel || (isNew ? 'window' : ''));
  fields.push(field('受理渠道', inputs.channel).wrap);
  // Only the statuses the lifecycle allows from here (the server rejects any other).
  // From the status as it stands: not from one the server refused (fixed on the 同步 page).
  const from = isNew ? '' : ((rec.existing.standing || data).status || '');
  const allowed = nextValues('cases', 'status', from) || enumOf('cases', 'status');
  const choices = [...new Set([...(from ? [from] : []), ...allowed])];
  inputs.status = select(choices.map((v) => [v, v === from ? `${enumLabel('cases', 'status', v)}（当前）`
    : enumLabel('cases', 'status', v)]), from || (allowed.includes('accepted') ? 'accepted' : allowed[0]), false);
  fields.push(field('办件状态', inputs.status, `可改为：${allowed.map((v) => enumLabel('cases', 'status', v)).join('、') || '无（已办结）'}`).wrap);
  // A decision's text printed on its numbered notice stands while the case is in that status
  // (the server refuses a change): shown, not editable, and said why.
  const standing = isNew ? {} : (rec.existing.standing || data);
  const stands = (path) => !isNew && frozen('cases', standing, path);
  const fixedHint = '已印在通知书上，不能修改';
  fields.push(text('refusal_reason', '不予受理理由', { rows: 2, disabled: stands('refusal_reason') },
    stands('refusal_reason') ? fixedHint : '选择“不予受理”时必填，将印在不予受理通知书上'),
  text('return_reason', '退办理由', { rows: 2, disabled: stands('return_reason') },
    stands('return_reason') ? fixedHint : '选择“退办”时必填，将印在退办通知书上'));
  const listed = (data.missing_materials || []).join('\n');
  inputs.missing_materials = h('textarea', { rows: 3, name: 'missing_materials', value: listed,
    disabled: stands('missing_materials') });
  fields.push(field('需补正的材料（每行一项）', inputs.missing_materials, stands('missing_materials')
    ? '已一次性告知，不能修改；材料补齐、改为办理中后，如需再次补件可重新列明'
    : '选择“待补件”时必填：一次性告知全部材料').wrap);
  fields.push(text('notes', '备注', { rows: 4 }));

  for (const [path, el] of Object.entries(inputs)) el.name = path; // forms.showProblems finds fields by name
  const form = recordForm(fields, submit);

  async function submit() {
    /** @type {Record<string, any>} */
    const values = {};
    for (const [path, el] of Object.entries(inputs)) values[path] = el.value.trim() || null;
    values.missing_materials = values.missing_materials
      ? values.missing_materials.split('\n').map((x) => x.trim()).filter(Boolean) : null;
    if (values['applicant.id_number']) values['applicant.id_number'] = values['applicant.id_number'].toUpperCase();
    const centre = values.centre_id || centres[0];
    delete values.centre_id;
    const set = changedPaths(values, data);
    // accepted_at / completed_at are the server's: set from the change's corrected time, never the phone's clock.
    if (isNew) Object.assign(set, { centre_id: centre, first_asked_by: me.id, handler_id: me.id });
    const problems = [];
    if (!values['applicant.name']) problems.push({ path: 'applicant.name', message: '请填写申请人姓名' });
    if (!values.matter_id) problems.push({ path: 'matter_id', message: '请选择办理事项' });
    if (values.status === 'refused' && !values.refusal_reason) problems.push({ path: 'refusal_reason', message: '不予受理须写明理由' });
    if (values.status === 'returned' && !values.return_reason) problems.push({ path: 'return_reason', message: '退办须写明理由' });
    if (values.status === 'supplement' && !(values.missing_materials || []).length) {
      problems.push({ path: 'missing_materials', message: '补件须一次性列明所需材料' });
    }
    problems.push(...validate('cases', set));
    if (problems.length) throw new FormProblems(problems);
    if (Object.keys(set).length) {
      await edit('cases', id, set);
      toast('已保存到本机，联网后自动同步');
    }
    go(`#/case/${encodeURIComponent(id)}`, true);
  }

  add(ctx.main, h('h1', { text: isNew ? '登记办件' : '编辑办件' }), form);
  return { form: true };
}
