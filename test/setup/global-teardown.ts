import { release } from '../../src/local/connect';
import { getTestServices } from './state';

/** Stops only what global setup started; services that were configured or reused keep running. */
export default async function globalTeardown(): Promise<void> {
  const services = getTestServices();
  if (services?.kind === 'local') await release(services.endpoints);
  if (services?.kind === 'docker') await services.compose.down();
}
