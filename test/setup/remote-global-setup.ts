import { InferenceServer, exportRepository } from '../helpers/inference-server';
import globalSetup from './global-setup';

/** Kafka and the registry as for every run, then the inference server every processor is pointed at. */
export default async function remoteGlobalSetup(): Promise<void> {
  await globalSetup();
  const server = await InferenceServer.create(exportRepository());
  await server.start();
  (globalThis as { inferenceServer?: InferenceServer }).inferenceServer = server;
  process.env.SCORESTREAM_MODELS_BACKEND = 'remote';
  process.env.SCORESTREAM_MODELS_REMOTE_URL = server.url;
  process.stderr.write(`test services: Triton Inference Server at ${server.url}, serving the export of models/\n`);
}
