import { ScorestreamError, errorMessage } from '../errors';

/** The settings a listener was configured by, to name in its errors (e.g. http.host and http.port). */
export interface ListenSettings {
  readonly hostKey: string;
  readonly portKey: string;
  readonly host: string;
  readonly port: number;
}

/**
 * A listener that could not start, as one line naming the setting to change: a port another
 * process holds is PORT_IN_USE (exit 1: it may be a previous instance still stopping), an address
 * this machine does not have or a port it may not open is CONFIG_INVALID (exit 2).
 */
export function listenError(err: unknown, s: ListenSettings): ScorestreamError {
  const code = (err as { code?: unknown }).code;
  const reason = errorMessage(err);
  if (code === 'EADDRINUSE') {
    return new ScorestreamError('PORT_IN_USE', `${s.portKey}=${s.port} on ${s.host} is in use by another process: set ${s.portKey} to a free port${s.portKey === 'http.port' ? ', or 0 to turn the listener off' : ''}`, { cause: err });
  }
  if (code === 'EACCES') {
    return new ScorestreamError('CONFIG_INVALID', `${s.portKey}=${s.port} cannot be opened by this user (${reason}): set ${s.portKey} to a port above 1023`, { cause: err });
  }
  return new ScorestreamError('CONFIG_INVALID', `${s.hostKey}=${s.host} cannot be listened on (${reason}): set ${s.hostKey} to an address of this machine, e.g. 0.0.0.0 or 127.0.0.1`, { cause: err });
}
