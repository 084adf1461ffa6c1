import { describeConfig, loadConfig } from '../../../src/config/load';

describe('admin listener settings', () => {
  it('are off, on loopback, on their own port and without a token by default', () => {
    const c = loadConfig({ env: {} });
    expect(c).toMatchObject({ httpAdmin: false, httpAdminHost: '127.0.0.1', httpAdminPort: 9465, httpAdminToken: '', httpHost: '0.0.0.0', httpPort: 9464 });
  });

  it('take the environment, and the token is a secret', () => {
    const c = loadConfig({ env: { SCORESTREAM_HTTP_ADMIN: 'true', SCORESTREAM_HTTP_ADMIN_HOST: '10.0.0.5', SCORESTREAM_HTTP_ADMIN_PORT: '9999', SCORESTREAM_HTTP_ADMIN_TOKEN: 'hunter2' } });
    expect(c).toMatchObject({ httpAdmin: true, httpAdminHost: '10.0.0.5', httpAdminPort: 9999, httpAdminToken: 'hunter2' });
    const lines = describeConfig(c).join('\n');
    expect(lines).toContain('http.admin.token = ***');
    expect(lines).not.toContain('hunter2');
  });
});
