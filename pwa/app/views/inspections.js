/**
 * 检查: the inspection list each role needs, and starting one.
 *   inspector / field staff: "to do" first (drafts, returned ones), then what they submitted;
 *   centre staff: their centre's inspections once submitted (read-only) and open rectifications;
 *   supervisors: submitted inspections waiting for review, then the rest.
 * Starting: centre (and window), template; the app records the start time and the GPS.
 */

import { add, h, fmtShort, select, field, toast } from '../ui.js';
import { edit, list, uuid } from '../store.js';
import { go } from '../router.js';
import { canSet, reviews } from '../rights.js';
import { actionBar, badges, centreNames, navButton } from './common.js';
import { RECT_STATUS, STATUS, points, usableTemplates } from './inspection-common.js';

/**
 * One inspection in a list.
 * @param {any} r merged inspection
 * @param {Map<string,string>} centres
 */
function inspectionRow(r, centres) {
  const d = r.data;
  const st = d.status || 'draft';
  return h('li', null, h('a', { class: 'item', href: `#/inspection/${encodeURIComponent(r.id)}` },
    h('div', { class: 'item-top' },
      h('strong', { class: 'grow', text: `${centres.get(d.centre_id) || d.centre_id || ''}${d.item_ids && d.item_ids.length ? '（复查）' : ''}` }),
      h('span', { class: `chip is-${st}`, text: STATUS[st] || st })),
    h('div', { class: 'item-sub' }, [d.vetoed ? '一票否决' : `得分 ${points(d.score)}`, fmtShort(d.submitted_at || d.started_at)]
      .filter(Boolean).join(' · ')),
    st === 'returned' && d.review && d.review.comment ? h('p', { class: 'notes', text: `退回意见：${d.review.comment}` }) : null,
    h('div', { class: 'badges' }, badges(r))));
}

/**
 * One rectification in a list.
 * @param {any} r merged rectification
 * @param {Map<string,string>} centres
 */
export function rectificationRow(r, centres) {
  const d = r.data;
  const st = d.status || 'open';
  return h('li', null, h('a', { class: 'item', href: `#/rectification/${encodeURIComponent(r.id)}` },
    h('div', { class: 'item-top' },
      h('strong', { class: 'grow', text: `整改：${centres.get(d.centre_id) || d.centre_id || ''}` }),
      h('span', { class: `chip rs-${st}`, text: d.overdue && st === 'open' ? '已超期' : RECT_STATUS[st] || st })),
    h('div', { class: 'item-sub' }, [`${(d.item_ids || []).length} 项`, d.due_at ? `期限 ${fmtShort(d.due_at)}` : ''].filter(Boolean).join(' · ')),
    h('div', { class: 'badges' }, badges(r))));
}

const newestFirst = (a, b) => (b.data.submitted_at || b.data.started_at || 0) - (a.data.submitted_at || a.data.started_at || 0);

/** #/inspections */
export async function inspectionsView(ctx) {
  const me = ctx.session.user;
  const [all, rects, centres] = await Promise.all([list('inspections'), list('rectifications'), centreNames()]);
  const live = all.filter((r) => !r.deleted).sort(newestFirst);
  const mine = (r) => (r.data.inspector_ids || []).includes(me.id);
  const sections = [];
  const listOf = (title, rows, row, empty) => h('section', { 'aria-label': title }, h('h2', { text: `${title}（${rows.length}）` }),
    rows.length ? h('ul', { class: 'list' }, rows.map((r) => row(r, centres))) : h('p', { class: 'empty', text: empty }));
  const openRects = rects.filter((r) => !r.deleted && ['open', 'overdue', 'responded'].includes(r.data.status || 'open'));
  if (reviews(me.role)) {
    sections.push(listOf('待审核', live.filter((r) => r.data.status === 'submitted' && !mine(r)), inspectionRow, '没有待审核的检查'));
    sections.push(listOf('整改待验收', openRects.filter((r) => r.data.status === 'responded'), rectificationRow, '没有待验收的整改'));
  }
  if (canSet(me.role, 'inspections', 'items') && me.role !== 'centre') {
    sections.push(listOf('待办检查', live.filter((r) => ['draft', 'returned'].includes(r.data.status || 'draft') && (mine(r) || r.pending)),
      inspectionRow, '没有草稿或退回的检查'));
  }
  if (me.role === 'centre') {
    sections.push(listOf('待答复整改', openRects.filter((r) => r.data.status !== 'responded'), rectificationRow, '没有待答复的整改'));
  } else if (!reviews(me.role)) {
    sections.push(listOf('整改', openRects, rectificationRow, '没有进行中的整改'));
  }
  const done = live.filter((r) => !['draft', 'returned'].includes(r.data.status || 'draft'));
  sections.push(listOf(me.role === 'centre' ? '本中心的检查' : '已提交的检查', done.slice(0, 50), inspectionRow, '还没有检查'));
  const canStart = me.role !== 'centre' && canSet(me.role, 'inspections', 'items');
  add(ctx.main, h('h1', { text: '检查考评' }), sections,
    canStart ? actionBar(navButton('新建检查', '#/inspection/new', 'btn primary')) : null);
  return { live: true };
}

/** GPS, if the phone gives it within a while (never blocks the inspection). */
function locate() {
  return new Promise((resolve) => {
    if (!navigator.geolocation) return resolve(null);
    navigator.geolocation.getCurrentPosition(resolve, () => resolve(null), { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
  });
}

/** #/inspection/new: centre (and window), template; then the walk. */
export async function inspectionNewView(ctx) {
  const me = ctx.session.user;
  const names = await centreNames();
  const centreIds = me.centre_ids && me.centre_ids.length ? me.centre_ids : [...names.keys()];
  const templates = await usableTemplates();
  if (!templates.length) {
    add(ctx.main, h('h1', { text: '新建检查' }), h('p', { class: 'empty', text: '本机还没有考评细则，请联网同步后再试' }));
    return {};
  }
  const centre = select(centreIds.map((c) => [c, names.get(c) || c]), centreIds[0], false);
  const kind = select([['centre', '整个中心（大厅）'], ['window', '某个窗口']], 'centre', false);
  const windowId = /** @type {HTMLInputElement} */ (h('input', { autocomplete: 'off', placeholder: '如 w3', name: 'target.window_id' }));
  const windowField = field('窗口编号', windowId);
  windowField.wrap.hidden = true;
  kind.addEventListener('change', () => { windowField.wrap.hidden = kind.value !== 'window'; });
  const tpl = select(templates.map((t) => [t.id, `${t.data.name}（第 ${t.data.version} 版）`]), templates[0].id, false);
  const error = h('p', { class: 'error', role: 'alert' });
  const start = h('button', { type: 'button', class: 'btn primary', text: '开始检查', onclick: async () => {
    const t = templates.find((x) => x.id === tpl.value) || templates[0];
    if (kind.value === 'window' && !/^[A-Za-z0-9_-]{1,64}$/.test(windowId.value.trim())) {
      error.textContent = '请填写窗口编号（字母或数字）';
      windowId.focus();
      return;
    }
    const id = uuid();
    const set = { centre_id: centre.value, template_id: t.id, template_version: t.data.version, status: 'draft',
      started_at: Date.now(), inspector_ids: [me.id], 'target.kind': kind.value };
    if (kind.value === 'window') set['target.window_id'] = windowId.value.trim();
    await edit('inspections', id, set);
    go(`#/inspection/${encodeURIComponent(id)}/walk`, true);
    // The position arrives when it arrives: saved as its own change.
    locate().then((pos) => pos && edit('inspections', id, {
      'location.lat': Math.round(pos.coords.latitude * 1e6) / 1e6,
      'location.lon': Math.round(pos.coords.longitude * 1e6) / 1e6,
      'location.accuracy': Math.round(pos.coords.accuracy) })).catch(() => toast('未能获取定位'));
  } });
  add(ctx.main, h('h1', { text: '新建检查' }),
    field('被检查的服务中心', centre).wrap, field('检查对象', kind).wrap, windowField.wrap, field('考评细则', tpl).wrap,
    h('p', { class: 'hint', text: '开始后记录开始时间和定位。没有网络也可以检查，联网后自动同步。' }),
    error, actionBar(h('button', { type: 'button', class: 'btn', text: '取消', onclick: () => history.back() }), start));
  return { form: true };
}
