import { kafkaServerProperties, newClusterId } from '../../../src/local/kafka-service';
import { localServicesOptions } from '../../../src/local/options';

function parse(properties: string): Map<string, string> {
  return new Map(
    properties
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

describe('kafkaServerProperties', () => {
  const props = parse(kafkaServerProperties(localServicesOptions({ SCORESTREAM_LOCAL_KAFKA_PORT: '29092', SCORESTREAM_LOCAL_KAFKA_CONTROLLER_PORT: '29093' }), '/d'));

  it('has the one-node settings without which transactions never start', () => {
    expect(props.get('offsets.topic.replication.factor')).toBe('1');
    expect(props.get('transaction.state.log.replication.factor')).toBe('1');
    expect(props.get('transaction.state.log.min.isr')).toBe('1');
    expect(props.get('group.initial.rebalance.delay.ms')).toBe('0');
  });

  it('runs KRaft as broker and controller on loopback only, on the configured ports', () => {
    expect(props.get('process.roles')).toBe('broker,controller');
    expect(props.get('listeners')).toBe('PLAINTEXT://127.0.0.1:29092,CONTROLLER://127.0.0.1:29093');
    expect(props.get('advertised.listeners')).toBe('PLAINTEXT://127.0.0.1:29092');
    expect(props.get('controller.quorum.voters')).toBe('1@127.0.0.1:29093');
    expect(props.get('log.dirs')).toBe('/d');
  });
});

describe('newClusterId', () => {
  it('is 16 random bytes in URL-safe base64 without padding, as KRaft expects', () => {
    const id = newClusterId();
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    expect(newClusterId()).not.toBe(id);
  });
});
