// The proxy's query string must be byte-compatible with Kazoo's kz_http_util.
import test from 'ava';
import { kazooQuery, withoutAuthToken } from '../../src/invoke/encode.js';

test('Kazoo\'s upstream vectors', (t) => {
  t.is(kazooQuery({ foo: 'bar', fizz: 'buzz', arr: [1, 3, 5] }), 'foo=bar&fizz=buzz&arr[]=1&arr[]=3&arr[]=5');
  t.is(kazooQuery({ url: 'http://user:pass@host:port/' }), 'url=http%3A%2F%2Fuser%3Apass%40host%3Aport%2F');
  t.is(kazooQuery({ topkey: { subkey1: 'v1', subkey2: { k3: 'v3' } } }), 'topkey[subkey1]=v1&topkey[subkey2][k3]=v3');
  t.is(kazooQuery({ baz: 'wibble \r\n' }), 'baz=wibble+%0D%0A');
});

test('a real cf_function query, empty object and all', (t) => {
  const call = {
    'User-ID': ['u1', 'u2'], 'To-Realm': 'acme.example.com', To: '2000', Request: '2000', Language: 'en-us', From: '1000',
    Direction: 'inbound', 'Custom-SIP-Headers': { 'X-Foo': 'a b' }, 'Custom-Application-Vars': {},
    'Caller-ID-Number': '+15551234567', 'Caller-ID-Name': 'Alice Smith', 'Call-ID': 'abc@10.0.0.1', 'Api-Version': '4.x', 'Account-ID': 'acc1'
  };
  t.is(kazooQuery(call), 'User-ID[]=u1&User-ID[]=u2&To-Realm=acme.example.com&To=2000&Request=2000&Language=en-us&From=1000'
    + '&Direction=inbound&Custom-SIP-Headers[X-Foo]=a+b&&Caller-ID-Number=%2B15551234567&Caller-ID-Name=Alice+Smith'
    + '&Call-ID=abc%4010.0.0.1&Api-Version=4.x&Account-ID=acc1');
});

test('values keep only A-Z a-z 0-9 - . _ ~ and escape the rest per UTF-8 byte, uppercase', (t) => {
  t.is(kazooQuery({ v: "AZaz09-._~!'()* é/?&=+" }), 'v=AZaz09-._~%21%27%28%29%2A+%C3%A9%2F%3F%26%3D%2B');
  t.is(kazooQuery({ yes: true, no: false, n: 42 }), 'yes=true&no=false&n=42');
});

test('keys that would break the URL are escaped, brackets stay literal', (t) => {
  t.is(kazooQuery({ 'a b&c': '1', 'x[y]': '2' }), 'a+b%26c=1&x[y]=2');
});

test('null is left out instead of crashing', (t) => {
  t.is(kazooQuery({ a: '1', b: null, c: '3' }), 'a=1&&c=3');
});

test('auth_token is taken out of a forwarded query string, nothing else', (t) => {
  t.is(withoutAuthToken('To=2000&auth_token=abc&Custom-SIP-Headers[X-Foo]=a+b&&x=1'), 'To=2000&Custom-SIP-Headers[X-Foo]=a+b&&x=1');
});
