import { isScorestreamError } from '../../../src/errors';
import { localServicesOptions } from '../../../src/local/options';

describe('localServicesOptions', () => {
  it('defaults to the standard ports and a cache directory outside the repo', () => {
    const o = localServicesOptions({ XDG_CACHE_HOME: '/var/cache/me' });
    expect(o).toMatchObject({ home: '/var/cache/me/scorestream', kafkaPort: 9092, kafkaControllerPort: 9093, registryPort: 8081 });
    expect(Object.isFrozen(o)).toBe(true);
  });

  it('takes ports, heaps and the home from SCORESTREAM_* variables', () => {
    const o = localServicesOptions({
      SCORESTREAM_HOME: '/srv/ss',
      SCORESTREAM_LOCAL_KAFKA_PORT: '19092',
      SCORESTREAM_LOCAL_KAFKA_CONTROLLER_PORT: '19093',
      SCORESTREAM_LOCAL_REGISTRY_PORT: '18081',
      SCORESTREAM_LOCAL_KAFKA_HEAP: '1g',
    });
    expect(o).toMatchObject({ home: '/srv/ss', kafkaPort: 19092, kafkaControllerPort: 19093, registryPort: 18081, kafkaHeap: '1g' });
  });

  it.each([
    ['SCORESTREAM_LOCAL_KAFKA_PORT', 'abc', /SCORESTREAM_LOCAL_KAFKA_PORT=abc is not a TCP port/],
    ['SCORESTREAM_LOCAL_REGISTRY_PORT', '70000', /SCORESTREAM_LOCAL_REGISTRY_PORT=70000 is not a TCP port/],
    ['SCORESTREAM_LOCAL_KAFKA_HEAP', '2 gigs', /SCORESTREAM_LOCAL_KAFKA_HEAP=2 gigs is not a JVM heap size/],
    ['SCORESTREAM_LOCAL_READY_TIMEOUT_S', '-1', /SCORESTREAM_LOCAL_READY_TIMEOUT_S=-1 is not a positive number/],
    ['SCORESTREAM_LOCAL_KAFKA_CONTROLLER_PORT', '9092', /ports must differ/],
  ])('rejects %s=%s with a CONFIG_INVALID error naming it', (key, value, message) => {
    let caught: unknown;
    try {
      localServicesOptions({ [key]: value });
    } catch (err: unknown) {
      caught = err;
    }
    expect(isScorestreamError(caught, 'CONFIG_INVALID')).toBe(true);
    expect((caught as Error).message).toMatch(message);
  });
});
