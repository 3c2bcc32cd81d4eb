/**
 * The rectification loop (整改): ordering one for chosen lapsed items of an inspection
 * (#/rectification/new?inspection=ID, with due_days: the server computes due_at), the
 * centre's answer per item with notes and photos (#/rectification/ID), the re-inspection of
 * only those items (an inspection with item_ids, linked by reinspection_id), and the
 * supervisor's verdict (verified / failed).
 */

import { add, h, fmtTime, field, newId, toast } from '../ui.js';
import { edit, get, uuid } from '../store.js';
import { go } from '../router.js';
import { canSet } from '../rights.js';
import { actionBar, attachmentImg, badges, centreNames, found, rejectedBox, row, screenUrl } from './common.js';
import { photoButton, takePhoto } from './signature.js';
import { RECT_STATUS, STATUS, liveScore, points, templateOf } from './inspection-common.js';
import { answerKey } from './inspection-items.js';

/** Whether an item lost points (or vetoed): the items a rectification is usually for. */
function lapsed(item, a) {
  if (!a || a.na) return false;
  const k = answerKey(item);
  if (item.rule === 'veto') return a.vetoed === true;
  if (item.rule === 'rating') return a.rating && a.rating !== 'very_satisfied';
  if (item.rule === 'proportional') return typeof a.value === 'number' && a.value < item.target;
  if (item.rule === 'bonus') return false;
  return typeof a[k] === 'number' && a[k] > 0;
}

/** #/rectification/new?inspection=ID */
export async function rectificationNewView(ctx) {
  const iid = ctx.query.get('inspection') || '';
  const ins = await found(ctx, 'inspections', iid, '找不到这次检查');
  if (!ins) return {};
  const tpl = await templateOf(ins.data);
  if (!tpl) {
    add(ctx.main, h('p', { class: 'empty', text: '本机没有这次检查的考评细则' }));
    return {};
  }
  const items = tpl.data.sections.flatMap((s) => s.items);
  const answers = ins.data.items || {};
  const bad = items.filter((it) => lapsed(it, answers[it.id]));
  const shown = bad.length ? bad : items;
  const boxes = shown.map((it) => {
    const cb = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', value: it.id, id: newId('ri'), checked: bad.includes(it) }));
    return h('label', { class: 'check', for: cb.id }, cb, h('span', { text: it.text || it.id }));
  });
  const days = /** @type {HTMLInputElement} */ (h('input', { type: 'number', inputmode: 'numeric', min: '1', max: '365', value: '10', name: 'due_days' }));
  const text = /** @type {HTMLTextAreaElement} */ (h('textarea', { rows: 3, name: 'order_text', value: '请对下列问题限期整改，并上传整改后的照片。' }));
  const error = h('p', { class: 'error', role: 'alert' });
  const order = h('button', { type: 'button', class: 'btn primary', text: '下达整改', onclick: async () => {
    const chosen = boxes.map((b) => /** @type {HTMLInputElement} */ (b.querySelector('input'))).filter((c) => c.checked).map((c) => c.value);
    const n = Number(days.value);
    if (!chosen.length) { error.textContent = '请至少选择一项'; return; }
    if (!Number.isInteger(n) || n < 1 || n > 365) { error.textContent = '整改期限应为 1–365 个工作日'; days.focus(); return; }
    const id = uuid();
    await edit('rectifications', id, { centre_id: ins.data.centre_id, inspection_id: iid, item_ids: chosen, due_days: n,
      order_text: text.value.trim() || null, status: 'open' });
    toast('已下达整改，联网后自动同步');
    go(`#/rectification/${encodeURIComponent(id)}`, true);
  } });
  add(ctx.main, h('h1', { text: '限期整改' }),
    h('fieldset', { class: 'ratings' }, h('legend', { text: bad.length ? '需要整改的项（已选扣分项）' : '需要整改的项' }), boxes),
    field('整改期限（工作日）', days, '到期时间由服务器按工作日计算').wrap,
    field('整改要求', text).wrap, error,
    actionBar(h('button', { type: 'button', class: 'btn', text: '取消', onclick: () => history.back() }), order));
  return { form: true };
}

/**
 * The centre's answer: a note and photos per item, then 提交答复.
 * @param {any} rec merged rectification
 * @param {Map<string,string>} names item texts
 * @param {any} me
 * @param {() => void} after called once the answer is saved
 */
function answerForm(rec, names, me, after) {
  const rows = (rec.data.item_ids || []).map((itemId) => {
    const old = (rec.data.responses || {})[itemId] || {};
    const note = /** @type {HTMLTextAreaElement} */ (h('textarea', { rows: 2, value: old.note || '', id: newId('resp') }));
    /** @type {{sha: string, type: string, data?: ArrayBuffer}[]} */
    const photos = (old.photos || []).map((sha) => ({ sha, type: '' }));
    const thumbs = h('div', { class: 'thumbs' });
    const draw = () => thumbs.replaceChildren(...photos.map((p, i) => p.data
      ? h('img', { class: 'thumb', alt: `整改照片 ${i + 1}`, src: screenUrl(new Blob([p.data], { type: p.type })) })
      : attachmentImg(p.sha, `整改照片 ${i + 1}`)));
    draw();
    const pick = photoButton('拍摄整改后照片', newId('rp'), async (files) => {
      for (const f of files) {
        try {
          const shot = await takePhoto(f);
          if (!photos.some((p) => p.sha === shot.sha)) photos.push(shot);
        } catch (err) {
          toast(`无法读取照片：${err.message}`, 'error');
        }
      }
      draw();
    });
    pick.button.setAttribute('aria-label', `拍摄整改后照片：${names.get(itemId) || itemId}`);
    const el = h('section', { class: 'rubric-item' }, h('h3', { text: names.get(itemId) || itemId }),
      h('div', { class: 'field' }, h('label', { for: note.id, text: '整改情况' }), note), thumbs, pick.input, pick.button);
    return { itemId, note, photos, el };
  });
  const error = h('p', { class: 'error', role: 'alert' });
  const send = h('button', { type: 'button', class: 'btn primary', text: '提交答复', onclick: async () => {
    /** @type {Record<string, any>} */
    const set = { status: 'responded' };
    const blobs = [];
    for (const r of rows) {
      const note = r.note.value.trim();
      if (!note && !r.photos.length) { error.textContent = '每一项都请写明整改情况或上传照片'; r.note.focus(); return; }
      set[`responses.${r.itemId}.note`] = note || null;
      set[`responses.${r.itemId}.photos`] = r.photos.map((p) => p.sha);
      set[`responses.${r.itemId}.at`] = Date.now();
      set[`responses.${r.itemId}.by`] = me.id;
      for (const p of r.photos) if (p.data) blobs.push({ sha: p.sha, type: p.type, data: p.data });
    }
    await edit('rectifications', rec.id, set, { blobs });
    toast('已提交答复，联网后自动同步');
    after();
  } });
  return h('section', { 'aria-label': '整改答复' }, h('h2', { text: '整改答复' }), rows.map((r) => r.el), error, actionBar(send));
}

/** Start the re-inspection of the rectification's items (an inspection with item_ids). */
async function reinspect(rec, ins, me) {
  const id = uuid();
  await edit('inspections', id, { centre_id: rec.data.centre_id, template_id: ins.data.template_id,
    template_version: ins.data.template_version, item_ids: rec.data.item_ids, status: 'draft', started_at: Date.now(),
    inspector_ids: [me.id], 'target.kind': (ins.data.target && ins.data.target.kind) || 'centre' });
  await edit('rectifications', rec.id, { reinspection_id: id });
  go(`#/inspection/${encodeURIComponent(id)}/walk`);
}

/** #/rectification/ID */
export async function rectificationView(ctx) {
  const [id] = ctx.params;
  const me = ctx.session.user;
  const rec = await found(ctx, 'rectifications', id, '找不到这条整改');
  if (!rec) return { live: true };
  const d = rec.data;
  const st = d.status || 'open';
  const ins = d.inspection_id ? await get('inspections', d.inspection_id) : null;
  const re = d.reinspection_id ? await get('inspections', d.reinspection_id) : null;
  const tpl = ins ? await templateOf(ins.data) : null;
  const names = new Map(tpl ? tpl.data.sections.flatMap((s) => s.items).map((it) => [it.id, it.text || it.id]) : []);
  const centres = await centreNames();
  const reScore = re && tpl ? liveScore(tpl.data, re.data) : null;
  const actions = [];
  const county = me.role !== 'centre';
  if (st === 'responded' && county && !d.reinspection_id && ins && canSet(me.role, 'rectifications', 'reinspection_id')) {
    actions.push(h('button', { type: 'button', class: 'btn primary', text: '开始复查', onclick: () => reinspect(rec, ins, me) }));
  }
  const reDone = re && ['submitted', 'approved'].includes(re.data.status);
  if (st === 'responded' && reDone && canSet(me.role, 'rectifications', 'status', 'verified')) {
    actions.push(h('button', { type: 'button', class: 'btn primary', text: '验收通过',
      onclick: () => edit('rectifications', id, { status: 'verified' }).then(() => toast('已验收')) }));
    actions.push(h('button', { type: 'button', class: 'btn danger', text: '未通过',
      onclick: () => edit('rectifications', id, { status: 'failed' }).then(() => toast('已记录未通过')) }));
  }
  const answering = ['open', 'overdue'].includes(st) && canSet(me.role, 'rectifications', 'responses')
    && (me.role === 'centre' || (me.centre_ids || []).includes(d.centre_id));
  add(ctx.main,
    h('h1', null, '限期整改 ', h('span', { class: `chip rs-${st}`, text: RECT_STATUS[st] || st })),
    h('div', { class: 'badges' }, badges(rec)),
    rejectedBox(rec),
    h('dl', { class: 'kvs' },
      row('服务中心', centres.get(d.centre_id) || d.centre_id),
      row('检查', ins ? h('a', { href: `#/inspection/${encodeURIComponent(ins.id)}`, text: `${STATUS[ins.data.status] || ''}检查 · 得分 ${points(ins.data.score)}` }) : d.inspection_id),
      row('整改要求', d.order_text ? h('span', { class: 'pre', text: d.order_text }) : ''),
      row('期限', d.due_at ? `${fmtTime(d.due_at)}${d.overdue ? '（已超期）' : ''}` : (d.due_days ? `${d.due_days} 个工作日` : '')),
      row('复查', re ? h('a', { href: `#/inspection/${encodeURIComponent(re.id)}`,
        text: `${STATUS[re.data.status || 'draft']} · 得分 ${reScore && !reScore.error ? points(reScore.score) : '—'}` }) : '')),
    h('section', { 'aria-label': '整改项' }, h('h2', { text: `整改项（${(d.item_ids || []).length}）` }),
      h('ul', { class: 'list' }, (d.item_ids || []).map((itemId) => {
        const r = (d.responses || {})[itemId];
        return h('li', { class: 'item' }, h('strong', { text: names.get(itemId) || itemId }),
          r && r.note ? h('p', { class: 'pre', text: `答复：${r.note}` }) : null,
          r && (r.photos || []).length ? h('div', { class: 'thumbs' }, r.photos.map((sha, i) => attachmentImg(sha, `整改照片 ${i + 1}`, ctx.session.token))) : null);
      }))),
    answering ? answerForm(rec, names, me, ctx.rerender) : null,
    actions.length ? actionBar(...actions) : null);
  return { live: !answering, form: answering };
}
