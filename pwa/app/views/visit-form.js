/**
 * The visit form: plan a home service or site survey, edit it, or finish it. Photos come
 * from the camera and are shrunk on the phone; the applicant signs on the screen. Saving
 * writes one op (with its new photos and signature) in one transaction.
 */

import { add, h, field, select, toast, toLocalInput, fromLocalInput } from '../ui.js';
import { photoButton, signatureSection, takePhoto } from './signature.js';
import { enumLabel } from '../labels.js';
import { edit, getPath, list } from '../store.js';
import { validate } from '../schema.js';
import { go } from '../router.js';
import { FormProblems } from '../errors.js';
import { changedPaths } from '../forms.js';
import { attachmentImg, caseTitle, centreNames, formRecord, matterNames, recordForm, screenUrl } from './common.js';

const TEXT_FIELDS = [
  ['applicant.name', '申请人姓名', 'input', { autocomplete: 'off' }],
  ['applicant.phone', '联系电话', 'input', { type: 'tel', inputmode: 'tel', autocomplete: 'off' }],
  ['address', '地址', 'input', {}],
  ['reason', '事由', 'textarea', { rows: 2 }],
];

/** New (#/visit/new/KIND), edit (#/visit/ID/edit) or finish (#/visit/ID/finish). */
export async function visitFormView(ctx) {
  const rec = await formRecord(ctx, 'visits', '找不到这条走访记录');
  if (!rec) return {};
  const { isNew, id, existing, data, me, centres } = rec;
  const kind = isNew ? ctx.params[1] : null;
  const mode = isNew ? 'new' : ctx.params[1];
  const title = isNew ? `新建${enumLabel('visits', 'kind', kind)}` : mode === 'finish' ? '完成走访' : '编辑走访记录';

  /** @type {Record<string, HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>} */
  const inputs = {};
  const fields = [];
  const mk = (path, label, tag, attrs, hint) => {
    const el = /** @type {any} */ (h(tag, { ...attrs, name: path }));
    const v = getPath(data, path);
    el.value = v === undefined || v === null ? '' : String(v);
    inputs[path] = el;
    const f = field(label, el, hint);
    fields.push(f.wrap);
    return f.wrap;
  };
  let centreSelect = null;
  if (isNew && centres.length > 1) {
    const names = await centreNames();
    centreSelect = select(centres.map((c) => [c, names.get(c) || c]), centres[0], false);
    fields.push(field('服务中心', centreSelect).wrap);
  }
  for (const [path, label, tag, attrs] of TEXT_FIELDS) mk(path, label, tag, attrs);
  const planned = /** @type {HTMLInputElement} */ (h('input', { type: 'datetime-local', name: 'planned_at', value: toLocalInput(data.planned_at || (isNew ? Date.now() : 0)) }));
  fields.push(field('计划时间', planned).wrap);

  const matters = await matterNames();
  const cases = (await list('cases')).filter((c) => !['completed', 'refused', 'returned'].includes(c.data.status) || c.id === data.case_id);
  const preset = ctx.query.get('case') || data.case_id || '';
  const caseSel = select(cases.map((c) => [c.id, caseTitle(c, matters)]), preset);
  caseSel.name = 'case_id';
  fields.push(field('关联办件', caseSel, cases.length ? '' : '本机还没有办件').wrap);

  // Photos: kept in memory until saved, then stored with the op in one transaction.
  /** @type {{sha: string, type: string, data?: ArrayBuffer}[]} */
  const photos = (data.photos || []).map((sha) => ({ sha, type: '' }));
  const thumbs = h('div', { class: 'thumbs' });
  const drawThumbs = () => {
    thumbs.replaceChildren(...photos.map((p, i) => h('figure', { class: 'thumb-wrap' },
      p.data ? h('img', { class: 'thumb', alt: `照片 ${i + 1}`, src: screenUrl(new Blob([p.data], { type: p.type })) })
        : attachmentImg(p.sha, `照片 ${i + 1}`, ctx.session.token),
      h('button', { type: 'button', class: 'x', 'aria-label': `删除照片 ${i + 1}`, text: '×', onclick: () => { photos.splice(i, 1); drawThumbs(); } }))));
  };
  drawThumbs();
  const pick = photoButton('拍照 / 选择照片', 'photo-input', async (files) => {
    for (const f of files) {
      try {
        const shot = await takePhoto(f);
        if (!photos.some((p) => p.sha === shot.sha)) photos.push(shot);
      } catch (err) {
        toast(`无法读取照片：${err.message}`, 'error');
      }
    }
    drawThumbs();
  });
  fields.push(h('div', { class: 'field' }, h('span', { class: 'label', text: '照片' }), thumbs, pick.input, pick.button));

  const signature = signatureSection({ data, token: ctx.session.token });
  fields.push(signature.el);

  mk('outcome', mode === 'finish' ? '办理结果（必填）' : '办理结果', 'textarea', { rows: 3 });
  mk('notes', '备注', 'textarea', { rows: 4 });

  const form = recordForm(fields, submit);

  async function submit() {
    /** @type {Record<string, any>} */
    const values = {};
    for (const [path, el] of Object.entries(inputs)) values[path] = el.value.trim() || null;
    values.planned_at = fromLocalInput(planned.value);
    values.case_id = caseSel.value || null;
    values.photos = photos.map((p) => p.sha);
    const blobs = photos.filter((p) => p.data).map((p) => ({ sha: p.sha, type: p.type, data: /** @type {ArrayBuffer} */ (p.data) }));
    const signed = await signature.collect();
    Object.assign(values, signed.values);
    blobs.push(...signed.blobs);
    if (mode === 'finish') {
      values.status = 'done';
      values.ended_at = Date.now();
      if (!data.started_at) values.started_at = values.ended_at;
    }
    const set = changedPaths(values, data, { minutes: ['planned_at'] });
    if (Object.keys(set).some((k) => k.startsWith('signature_fallback.')) && values['signature_fallback.kind']) {
      set['signature_fallback.by'] = me.id; // who recorded it, and when
      set['signature_fallback.at'] = Date.now();
    }
    if (isNew) {
      Object.assign(set, { centre_id: centreSelect ? centreSelect.value : centres[0], kind, status: 'planned', staff_ids: [me.id] });
    } else {
      const staff = data.staff_ids || [];
      if (!staff.includes(me.id)) set.staff_ids = [...staff, me.id];
    }
    // What a visit needs before it is kept: who or where (an applicant, an address or a
    // case that names them) and why (a reason, or the case). All problems at once.
    const problems = [...signed.problems];
    if (!values['applicant.name'] && !values.address && !values.case_id) {
      problems.push({ path: 'applicant.name', message: '请填写申请人姓名或地址（或选择关联办件）：要知道去见谁、去哪里' });
    }
    if (!values.reason && !values.case_id) problems.push({ path: 'reason', message: '请填写事由（或选择关联办件）：要知道为什么去' });
    if (mode === 'finish' && !values.outcome) problems.push({ path: 'outcome', message: '请填写办理结果' });
    problems.push(...validate('visits', set));
    if (problems.length) throw new FormProblems(problems);
    if (!Object.keys(set).length) {
      toast('没有改动');
      history.back();
      return;
    }
    await edit('visits', id, set, { blobs });
    toast('已保存到本机，联网后自动同步');
    const from = ctx.query.get('from');
    go(from || (isNew ? '#/today' : `#/visit/${encodeURIComponent(id)}`), true);
  }

  add(ctx.main, h('h1', { text: title }),
    h('p', { class: 'hint', text: '保存前请至少填写申请人或地址，以及事由（已关联办件的可不填）。' }), form);
  return { form: true };
}
