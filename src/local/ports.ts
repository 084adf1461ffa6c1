import net from 'node:net';
import { ScorestreamError } from '../errors';

/** Resolves when nothing listens on 127.0.0.1:`port`; PORT_IN_USE names the variable that moves it. */
export function assertPortFree(port: number, service: string, variable: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') {
        reject(
          new ScorestreamError(
            'PORT_IN_USE',
            `port ${port} for the local ${service} is taken by another process: stop it, or choose another port with ${variable}=<port>`,
            { cause: err },
          ),
        );
      } else reject(err);
    });
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve()));
  });
}
