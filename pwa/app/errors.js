/**
 * Every error class the app throws, in one place. Sync errors are told apart by `name`
 * (they cross from the service worker as plain messages); labels.errorText turns them into
 * Chinese.
 */

/**
 * The error code of an error envelope ({"error": {"code", ...}}), if any.
 * @param {any} body
 */
export const errorCode = (body) => (body && body.error && body.error.code) || '';

/** No answer from the server: offline, cut, or too slow. Retried later. */
export class NetworkError extends Error {
  constructor(message) { super(message); this.name = 'NetworkError'; }
}

/** The server answered 401: the sync stops and the caller decides what follows. */
export class AuthFailed extends Error {
  constructor(body) { super(errorCode(body) || 'unauthorized'); this.name = 'AuthFailed'; this.body = body; }
}

/** Any other unexpected answer, retried later. */
export class HttpFailed extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || `HTTP ${status}`);
    this.name = 'HttpFailed';
    this.status = status;
    this.code = errorCode(body);
  }
}

/**
 * A form cannot be saved: what is wrong, per field path ([{path, message}]). Forms show
 * each message at its field (forms.js showProblems); the message is their sum.
 */
export class FormProblems extends Error {
  /** @param {{path: string, message: string}[]} problems */
  constructor(problems) {
    super(problems.map((p) => p.message).join('；'));
    this.name = 'FormProblems';
    this.problems = problems;
  }
}
