/** Settings from the environment (config.ts); more in the tests of the features that read them. */
import { describe, expect, test } from 'bun:test';
import { loadConfig } from './config';

describe('MONGODB_URI', () => {
  test('must name its database: without one the driver used "test", an empty Lets Talk beside the real one', () => {
    for (const uri of ['mongodb://127.0.0.1:27017', 'mongodb://127.0.0.1:27017/', 'mongodb://127.0.0.1:27017/?replicaSet=rs0', 'mongodb+srv://cluster.unilag.edu.ng']) {
      expect(() => loadConfig({ MONGODB_URI: uri })).toThrow('MONGODB_URI must name the database after the host, e.g. mongodb://db.unilag.edu.ng:27017/letstalk (an install that ran without one has its data in "test": name that;');
    }
    for (const uri of ['mongodb://127.0.0.1:27017/letstalk', 'mongodb://a:1,b:2/letstalk?replicaSet=rs0', 'mongodb+srv://u:p@cluster.unilag.edu.ng/letstalk?retryWrites=true']) {
      expect(loadConfig({ MONGODB_URI: uri }).mongodbUri).toBe(uri);
    }
    expect(() => loadConfig({ MONGODB_URI: 'postgres://x/y' })).toThrow('MONGODB_URI must start with mongodb:// or mongodb+srv://');
  });
});

test('SESSION_IDLE_DAYS past SESSION_MAX_DAYS is refused (it would never apply)', () => {
  expect(() => loadConfig({ SESSION_IDLE_DAYS: '100', SESSION_MAX_DAYS: '10' })).toThrow('SESSION_IDLE_DAYS (100) is longer than SESSION_MAX_DAYS (10): it would never apply; make it shorter, or SESSION_MAX_DAYS longer');
  expect(loadConfig({ SESSION_IDLE_DAYS: '10', SESSION_MAX_DAYS: '10' })).toMatchObject({ sessionIdleMs: 10 * 86_400_000, sessionMaxMs: 10 * 86_400_000 });
  // A hard limit alone, shorter than the idle default (30): the idle limit follows it.
  expect(loadConfig({ SESSION_MAX_DAYS: '7' })).toMatchObject({ sessionIdleMs: 7 * 86_400_000, sessionMaxMs: 7 * 86_400_000 });
  expect(loadConfig({})).toMatchObject({ sessionIdleMs: 30 * 86_400_000, sessionMaxMs: 90 * 86_400_000 });
});
