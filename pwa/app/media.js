/**
 * Photos and signatures on the phone: camera pictures shrunk to at most 1600 px JPEG before
 * they are stored (a 12 MP photo would take minutes on 2G), and a signature pad drawn with
 * pointer events (finger, stylus or mouse).
 */

import { MAX_PHOTO_PX, PHOTO_QUALITY } from './config.js';
import { h } from './ui.js';

/**
 * Decode an image file (createImageBitmap where it exists; <img> on older Safari).
 * @param {Blob} file
 * @returns {Promise<{source: CanvasImageSource, width: number, height: number, close: () => void}>}
 */
async function decode(file) {
  if (typeof createImageBitmap === 'function') {
    try {
      const bmp = await createImageBitmap(file, { imageOrientation: 'from-image' });
      return { source: bmp, width: bmp.width, height: bmp.height, close: () => bmp.close() };
    } catch { /* fall through to <img> */ }
  }
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    return { source: img, width: img.naturalWidth, height: img.naturalHeight, close: () => {} };
  } finally {
    URL.revokeObjectURL(url);
  }
}

/**
 * Shrink a picture to at most MAX_PHOTO_PX on its longer side, as JPEG bytes.
 * @param {Blob} file from <input type=file capture>
 * @returns {Promise<{data: ArrayBuffer, type: string, width: number, height: number}>}
 */
export async function resizePhoto(file) {
  const img = await decode(file);
  const scale = Math.min(1, MAX_PHOTO_PX / Math.max(img.width, img.height));
  const width = Math.max(1, Math.round(img.width * scale));
  const height = Math.max(1, Math.round(img.height * scale));
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  ctx.fillStyle = '#fff'; // transparent PNGs would turn black in JPEG
  ctx.fillRect(0, 0, width, height);
  ctx.drawImage(img.source, 0, 0, width, height);
  img.close();
  const blob = await toBlob(canvas, 'image/jpeg', PHOTO_QUALITY);
  return { data: await blob.arrayBuffer(), type: 'image/jpeg', width, height };
}

/**
 * canvas.toBlob as a promise.
 * @param {HTMLCanvasElement} canvas
 * @param {string} type
 * @param {number} [quality]
 * @returns {Promise<Blob>}
 */
export function toBlob(canvas, type, quality) {
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('图片编码失败'))), type, quality));
}

/**
 * A signature pad. `el` is the element to insert; `isEmpty()`; `toPNG()` gives bytes.
 * @param {string} label accessible name of the drawing area
 */
export function signaturePad(label) {
  const canvas = /** @type {HTMLCanvasElement} */ (h('canvas', { class: 'sig', role: 'img', 'aria-label': label }));
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  let strokes = 0;
  /** @type {{x: number, y: number} | null} */
  let last = null;

  // Size the bitmap to the shown size × devicePixelRatio once it is laid out, so lines are sharp.
  const fit = () => {
    const r = canvas.getBoundingClientRect();
    if (!r.width) return;
    const dpr = Math.min(window.devicePixelRatio || 1, 2);
    canvas.width = Math.round(r.width * dpr);
    canvas.height = Math.round(r.height * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.lineWidth = 2.5;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.strokeStyle = '#111';
    strokes = 0;
  };
  requestAnimationFrame(fit);

  const point = (e) => {
    const r = canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };
  canvas.addEventListener('pointerdown', (e) => {
    if (!canvas.width) fit();
    canvas.setPointerCapture(e.pointerId);
    last = point(e);
    ctx.beginPath();
    ctx.arc(last.x, last.y, 1, 0, Math.PI * 2);
    ctx.fillStyle = '#111';
    ctx.fill();
    e.preventDefault();
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!last) return;
    const p = point(e);
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    last = p;
    strokes += 1;
    e.preventDefault();
  });
  const end = () => { last = null; };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);

  return {
    el: canvas,
    isEmpty: () => strokes < 2,
    clear: () => {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      strokes = 0;
    },
    /** @returns {Promise<{data: ArrayBuffer, type: string}>} */
    toPNG: async () => {
      // Flatten on white so the signature reads the same in any viewer.
      const out = document.createElement('canvas');
      out.width = canvas.width;
      out.height = canvas.height;
      const o = /** @type {CanvasRenderingContext2D} */ (out.getContext('2d'));
      o.fillStyle = '#fff';
      o.fillRect(0, 0, out.width, out.height);
      o.drawImage(canvas, 0, 0);
      const blob = await toBlob(out, 'image/png');
      return { data: await blob.arrayBuffer(), type: 'image/png' };
    },
  };
}
