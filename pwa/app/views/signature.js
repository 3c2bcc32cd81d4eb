/**
 * The applicant's signature on the visit form, and what is kept when they cannot sign
 * (`signature_fallback`, the practice the seeds accept): a witnessed staff attestation with
 * the reason (本人不能书写，由工作人员代签，见证人…), or a photo of the fingerprint on the
 * paper form (按手印). Either is kept with the visit like a signature. The signature pad
 * takes focus (keyboard users meet it, and its description points to the fallback).
 */

import { h, newId, field, toast } from '../ui.js';
import { getPath, sha256 } from '../store.js';
import { resizePhoto, signaturePad } from '../media.js';
import { attachmentImg, screenUrl } from './common.js';

/** The fallback kinds, in the words of the form. */
export const FALLBACK_KINDS = [
  ['attestation', '工作人员代签，有见证人'],
  ['fingerprint', '按手印（拍摄纸质表上的手印）'],
];

/**
 * A button that opens the camera or the photo library. The file input itself is hidden
 * (not focusable), so the focus ring is the button's own.
 * @param {string} text
 * @param {string} inputId
 * @param {(files: File[]) => void} onFiles
 */
export function photoButton(text, inputId, onFiles) {
  const input = /** @type {HTMLInputElement} */ (h('input', { type: 'file', accept: 'image/*', capture: 'environment',
    id: inputId, hidden: true, tabindex: '-1' }));
  input.addEventListener('change', () => {
    onFiles([...(input.files || [])]);
    input.value = '';
  });
  const button = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'btn', text, onclick: () => input.click() }));
  return { input, button };
}

/**
 * One shrunk photo from the camera, hashed.
 * @param {File} f
 */
export async function takePhoto(f) {
  const shot = await resizePhoto(f);
  return { sha: await sha256(shot.data), type: shot.type, data: shot.data };
}

/**
 * The signature part of the visit form.
 * @param {{data: any, token: string}} opts
 * @returns {{el: HTMLElement, collect: () => Promise<{values: Record<string, any>,
 *   blobs: {sha: string, type: string, data: ArrayBuffer}[], problems: {path: string, message: string}[]}>}}
 */
export function signatureSection({ data, token }) {
  const hint = h('p', { class: 'hint', id: newId('sig-hint'),
    text: '请申请人在框内用手指签名。本人不能书写时，勾选下方“申请人无法签名”，改由工作人员代签并写明见证人，或拍下纸质表上的手印。' });
  const pad = signaturePad('申请人签名区');
  pad.el.tabIndex = 0;
  pad.el.setAttribute('aria-describedby', hint.id);
  const old = data.signature_fallback || {};

  const cannot = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', id: newId('cannot'), checked: !!old.kind }));
  const radios = FALLBACK_KINDS.map(([value, label]) => h('label', { class: 'rating' },
    h('input', { type: 'radio', name: 'signature_fallback.kind', value, checked: old.kind === value }), h('span', { text: label })));
  const kindErr = h('p', { class: 'error', id: newId('kind-error') });
  const kindField = h('div', { class: 'field' }, h('fieldset', { class: 'ratings' }, h('legend', { text: '替代方式' }), radios), kindErr);
  const reason = /** @type {HTMLTextAreaElement} */ (h('textarea', { rows: 2, name: 'signature_fallback.reason',
    placeholder: '如：本人不能书写，由工作人员代签', value: getPath(data, 'signature_fallback.reason') || '' }));
  const witness = /** @type {HTMLInputElement} */ (h('input', { name: 'signature_fallback.witness', autocomplete: 'off',
    value: getPath(data, 'signature_fallback.witness') || '' }));
  /** @type {{sha: string, type: string, data?: ArrayBuffer} | null} */
  let print = old.photo ? { sha: old.photo, type: '' } : null;
  const printShow = h('div', { class: 'thumbs' });
  const drawPrint = () => printShow.replaceChildren(...(print ? [print.data
    ? h('img', { class: 'thumb', alt: '手印照片', src: screenUrl(new Blob([print.data], { type: print.type })) })
    : attachmentImg(print.sha, '手印照片', token)] : []));
  drawPrint();
  const pick = photoButton('拍摄手印', 'fallback-photo-input', async (files) => {
    if (!files.length) return;
    try {
      print = await takePhoto(files[0]);
      drawPrint();
    } catch (err) {
      toast(`无法读取照片：${err.message}`, 'error');
    }
  });
  pick.button.setAttribute('name', 'signature_fallback.photo');
  const printErr = h('p', { class: 'error', id: newId('print-error') });
  const fallback = h('div', { class: 'box fallback', hidden: !cannot.checked },
    kindField,
    field('为何不能签名', reason).wrap,
    field('见证人（代签时必填）', witness).wrap,
    h('div', { class: 'field' }, h('span', { class: 'label', text: '手印照片（按手印时必填）' }), printShow, pick.input, pick.button, printErr));
  cannot.addEventListener('change', () => { fallback.hidden = !cannot.checked; });

  const el = h('div', { class: 'field' }, h('span', { class: 'label', id: newId('sig-label'), text: '申请人签名' }),
    data.signature ? h('p', { class: 'hint' }, '已有签名（重新签名会替换）：', attachmentImg(data.signature, '现有签名', token)) : null,
    hint, pad.el, h('button', { type: 'button', class: 'btn small', text: '清除签名', onclick: () => pad.clear() }),
    h('label', { class: 'check', for: cannot.id }, cannot, h('span', { text: '申请人无法签名' })),
    fallback);

  async function collect() {
    /** @type {Record<string, any>} */
    const values = {};
    const blobs = [];
    const problems = [];
    if (cannot.checked) {
      const picked = /** @type {HTMLInputElement | null} */ (kindField.querySelector('input:checked'));
      const kind = picked ? picked.value : null;
      values['signature_fallback.kind'] = kind;
      values['signature_fallback.reason'] = reason.value.trim() || null;
      values['signature_fallback.witness'] = witness.value.trim() || null;
      values['signature_fallback.photo'] = print ? print.sha : null;
      if (!kind) problems.push({ path: 'signature_fallback.kind', message: '请选择替代方式：代签或按手印' });
      if (!values['signature_fallback.reason']) problems.push({ path: 'signature_fallback.reason', message: '请写明申请人为何不能签名' });
      if (kind === 'attestation' && !values['signature_fallback.witness']) {
        problems.push({ path: 'signature_fallback.witness', message: '代签须写明见证人' });
      }
      if (kind === 'fingerprint' && !print) problems.push({ path: 'signature_fallback.photo', message: '请拍摄纸质表上的手印' });
      if (print && print.data) blobs.push({ sha: print.sha, type: print.type, data: print.data });
    } else {
      if (old.kind) for (const k of ['kind', 'reason', 'witness', 'photo']) values[`signature_fallback.${k}`] = null;
      if (!pad.isEmpty()) {
        const png = await pad.toPNG();
        const sha = await sha256(png.data);
        blobs.push({ sha, type: png.type, data: png.data });
        values.signature = sha;
      }
    }
    return { values, blobs, problems };
  }

  return { el, collect };
}
