import fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { ScorestreamError } from '../../errors';
import { inferenceServiceClient, type InferenceServiceClient, type ModelInferRequest, type ModelInferResponse, type ModelMetadataResponse } from './oip-protocol';

export interface RemoteOptions {
  /** grpc://host:port or grpcs://host:port */
  readonly url: string;
  readonly timeoutMs: number;
  readonly maxInFlight: number;
  /** Most rows per request; larger runs are split. */
  readonly maxBatchRows: number;
  readonly tls?: { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string };
}

/** gRPC status codes that mean the server is down, slow or overloaded, not that the request is wrong. */
const UNAVAILABLE_CODES: ReadonlySet<grpc.status> = new Set([
  grpc.status.UNAVAILABLE,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.RESOURCE_EXHAUSTED,
  grpc.status.CANCELLED,
  grpc.status.ABORTED,
  grpc.status.INTERNAL,
  grpc.status.UNKNOWN,
]);

function credentials(url: URL, tls: RemoteOptions['tls']): grpc.ChannelCredentials {
  if (url.protocol === 'grpc:') return grpc.credentials.createInsecure();
  const read = (file: string | undefined): Buffer | null => (file ? fs.readFileSync(file) : null);
  return grpc.credentials.createSsl(read(tls?.caFile), read(tls?.keyFile), read(tls?.certFile));
}

/**
 * A client of one Open Inference Protocol server over gRPC. Every call has a deadline that
 * counts from when it was asked for, the wait for one of the `maxInFlight` slots included, so a
 * slow server holds a caller at most `timeoutMs`. Failures that mean the server is not answering
 * are REMOTE_UNAVAILABLE; the server's refusals keep their message.
 */
export class OipClient {
  private client: InferenceServiceClient;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  /** host:port, for headers and logs (never credentials). */
  readonly address: string;

  constructor(private readonly options: RemoteOptions) {
    this.address = new URL(options.url).host;
    this.client = this.connect();
  }

  private connect(): InferenceServiceClient {
    const url = new URL(this.options.url);
    const Client = inferenceServiceClient();
    return new Client(url.host, credentials(url, this.options.tls), {
      // Raw tensors of a full batch (512 rows of 24 floats is 48 KiB) fit easily; keep gRPC's own cap off the way.
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
      'grpc.max_send_message_length': 64 * 1024 * 1024,
      // Reconnect soon after a restarted server comes back: a call waiting for the connection
      // (waitForReady) should see it well within its deadline.
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': Math.max(100, Math.min(1_000, Math.floor(this.options.timeoutMs / 2))),
    });
  }

  /**
   * A channel that failed to connect can stay in back-off (and wait for name re-resolution) long
   * after the server is back: measured, a restarted Triton was still unreachable through the old
   * channel after 2 s. The next call after such a failure gets a new channel; a connected channel
   * to a server that is only slow is kept.
   */
  private reconnect(): void {
    const old = this.client;
    this.client = this.connect();
    old.close();
  }

  private async slot(deadline: number): Promise<void> {
    if (this.inFlight < this.options.maxInFlight) {
      this.inFlight++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(go);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new ScorestreamError('REMOTE_UNAVAILABLE', `inference server ${this.address}: no answer within ${this.options.timeoutMs} ms (all ${this.options.maxInFlight} request slots busy)`));
      }, Math.max(0, deadline - Date.now()));
      const go = (): void => {
        clearTimeout(timer);
        this.inFlight++;
        resolve();
      };
      this.waiting.push(go);
    });
  }

  private release(): void {
    this.inFlight--;
    this.waiting.shift()?.();
  }

  private async call<Req, Res>(what: string, method: (req: Req, options: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: Res) => void) => grpc.ClientUnaryCall, request: Req): Promise<Res> {
    const deadline = Date.now() + this.options.timeoutMs;
    await this.slot(deadline);
    try {
      return await new Promise<Res>((resolve, reject) => {
        // waitForReady: a call waits for a connection (a restarted server, a reconnect in
        // back-off) until its deadline, instead of failing at once while the channel is down.
        method.call(this.client, request, { deadline, waitForReady: true }, (err, res) => {
          if (err) {
            const unavailable = UNAVAILABLE_CODES.has(err.code);
            const connected = this.client.getChannel().getConnectivityState(false) === grpc.connectivityState.READY;
            if ((err.code === grpc.status.UNAVAILABLE || err.code === grpc.status.DEADLINE_EXCEEDED) && !connected) this.reconnect();
            reject(new ScorestreamError(unavailable ? 'REMOTE_UNAVAILABLE' : 'INFERENCE_FAILED', `inference server ${this.address}: ${what}: ${err.details || err.message}`, { cause: err }));
          } else if (res === undefined) {
            reject(new ScorestreamError('REMOTE_UNAVAILABLE', `inference server ${this.address}: ${what}: empty answer`));
          } else {
            resolve(res);
          }
        });
      });
    } finally {
      this.release();
    }
  }

  async modelReady(name: string, version: string): Promise<boolean> {
    return (await this.call('model ready', this.client.ModelReady, { name, version })).ready;
  }

  modelMetadata(name: string, version: string): Promise<ModelMetadataResponse> {
    return this.call('model metadata', this.client.ModelMetadata, { name, version });
  }

  infer(request: ModelInferRequest): Promise<ModelInferResponse> {
    return this.call('inference', this.client.ModelInfer, request);
  }

  close(): void {
    this.client.close();
  }
}
