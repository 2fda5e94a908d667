import { SettingsError } from '../../src/common/settings-error';
import { readWorkerConfig } from '../../src/worker/config';
import { splitAddress } from '../../src/temporal/settings';

test('the shutdown grace period defaults to 60 seconds and takes whole seconds up to an hour', () => {
  expect(readWorkerConfig({}).AUDIT_COLLECT_SHUTDOWN_GRACE_SECONDS).toBe(60);
  expect(readWorkerConfig({ AUDIT_COLLECT_SHUTDOWN_GRACE_SECONDS: '0' }).AUDIT_COLLECT_SHUTDOWN_GRACE_SECONDS).toBe(0);
  expect(readWorkerConfig({ AUDIT_COLLECT_SHUTDOWN_GRACE_SECONDS: '300' }).AUDIT_COLLECT_SHUTDOWN_GRACE_SECONDS).toBe(300);
});

test.each(['-1', '1.5', '30s', '3601'])('a shutdown grace period of %p is refused, naming the variable', (value) => {
  expect(() => readWorkerConfig({ AUDIT_COLLECT_SHUTDOWN_GRACE_SECONDS: value })).toThrow(SettingsError);
  expect(() => readWorkerConfig({ AUDIT_COLLECT_SHUTDOWN_GRACE_SECONDS: value })).toThrow(/AUDIT_COLLECT_SHUTDOWN_GRACE_SECONDS/);
});

test('the metrics address splits into host and port, IPv6 in brackets included', () => {
  expect(splitAddress('0.0.0.0:9464')).toEqual({ host: '0.0.0.0', port: 9464 });
  expect(splitAddress('[::]:9464')).toEqual({ host: '::', port: 9464 });
  expect(splitAddress('localhost:0')).toEqual({ host: 'localhost', port: 0 });
});
