// Who counts as one guesser.
import test from 'ava';
import { clientKey, GuessingLimit } from '../../src/auth/guessing.js';

test('an IPv6 client is its /64; IPv4 (mapped or not) is its address', (t) => {
  t.is(clientKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  t.is(clientKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'), '2001:db8:1:2::/64');
  t.is(clientKey('2001:db8::1'), '2001:db8:0:0::/64');
  t.is(clientKey('::ffff:127.0.0.1'), '127.0.0.1');
  t.is(clientKey('10.0.0.7'), '10.0.0.7');
});

test('a whole /64 shares one allowance', (t) => {
  const limit = new GuessingLimit(2);
  limit.failed('2001:db8:1:2::1');
  limit.failed('2001:db8:1:2::2');
  t.true(limit.retryAfter('2001:db8:1:2::3') > 0);
  t.is(limit.retryAfter('2001:db8:1:3::1'), 0);
});
