/** A raw TCP client for server tests: writes what it is told, when it is told, and reads until the server closes. */
import { connect, type Socket } from 'node:net';

export interface RawConn {
  socket: Socket;
  /** Everything the server sent until it closed the connection (or `boundMs` passed: then '' + 'TIMEOUT'). */
  closed: Promise<string>;
  write(s: string | Uint8Array): void;
}

export function rawConnect(port: number, boundMs = 5000): Promise<RawConn> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (c) => (text += c.toString('latin1')));
    const closed = new Promise<string>((done) => {
      const timer = setTimeout(() => {
        socket.destroy();
        done(text + 'TIMEOUT');
      }, boundMs);
      socket.on('close', () => {
        clearTimeout(timer);
        done(text);
      });
    });
    socket.on('error', () => {});
    socket.once('connect', () => resolve({ socket, closed, write: (s) => void socket.write(s) }));
    socket.once('error', reject);
  });
}

/** Status code of the first response in `text` (0 when none). */
export function statusOf(text: string): number {
  const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
  return m ? Number(m[1]) : 0;
}
