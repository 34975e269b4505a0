// ajv's errors as Kazoo reports validation: {field: {rule: {message, ...}}}.
import test from 'ava';
import { bodyAjv, fieldErrors, validator } from '../../src/schemas/validate.js';

function errorsOf(schema: object, value: unknown) {
  const validate = bodyAjv.compile(schema);
  if (validate(value)) throw new Error('expected the value to be invalid');
  return validate.errors ?? [];
}

const REQUIRED = { message: 'Field is required but missing' };

test('a missing property is reported under its own name', (t) => {
  t.deepEqual(fieldErrors(errorsOf({ type: 'object', required: ['name', 'function_js'] }, {})),
    { name: { required: REQUIRED }, function_js: { required: REQUIRED } });
});

test('nested properties are named with dots, missing ones included', (t) => {
  const schema = {
    type: 'object',
    properties: {
      caller: { type: 'object', required: ['name'], properties: { number: { type: 'string' }, meta: { type: 'object', properties: { level: { type: 'integer', maximum: 3 } } } } }
    }
  };
  t.deepEqual(fieldErrors(errorsOf(schema, { caller: { number: 5, meta: { level: 4 } } })), {
    'caller.name': { required: REQUIRED },
    'caller.number': { type: { message: 'Value is not of type string', target: 'string' } },
    'caller.meta.level': { maximum: { message: 'Value must be at most 3', target: 3 } }
  });
});

test('array items are named by their index', (t) => {
  const schema = {
    type: 'object',
    properties: {
      numbers: { type: 'array', items: { type: 'string', minLength: 2 } },
      flows: { type: 'array', items: { type: 'object', required: ['module'], properties: { module: { enum: ['tts', 'play'] } } } }
    }
  };
  t.deepEqual(fieldErrors(errorsOf(schema, { numbers: ['12', 5, 'x'], flows: [{ module: 'tts' }, {}, { module: 'dial' }] })), {
    'numbers.1': { type: { message: 'Value is not of type string', target: 'string' } },
    'numbers.2': { minLength: { message: 'Value must be at least 2 characters', target: 2 } },
    'flows.1.module': { required: REQUIRED },
    'flows.2.module': { enum: { message: 'Value not found in enumerated list of values', target: ['tts', 'play'] } }
  });
});

test('every rule a field breaks is reported under that one field', (t) => {
  const schema = { type: 'object', properties: { name: { type: 'string', minLength: 5, pattern: '^[a-z]+$' } } };
  t.deepEqual(fieldErrors(errorsOf(schema, { name: 'AB' })), {
    name: {
      minLength: { message: 'Value must be at least 5 characters', target: 5 },
      pattern: { message: 'Value must match ^[a-z]+$', target: '^[a-z]+$' }
    }
  });
});

test('Kazoo\'s rule names: forbidden for extra properties, unique for repeated items, maxItems', (t) => {
  const schema = {
    type: 'object', additionalProperties: false,
    properties: { tags: { type: 'array', uniqueItems: true, maxItems: 2 }, size: { type: 'integer', minimum: 1 } }
  };
  t.deepEqual(fieldErrors(errorsOf(schema, { tags: ['a', 'a', 'b'], size: 0, colour: 'red' })), {
    colour: { forbidden: { message: 'Field is not allowed' } },
    tags: { unique: { message: 'Values must be unique' }, maxItems: { message: 'At most 2 items', target: 2 } },
    size: { minimum: { message: 'Value must be at least 1', target: 1 } }
  });
});

test('a problem with the whole value is reported as "data"', (t) => {
  t.deepEqual(fieldErrors(errorsOf({ type: 'object' }, 'text')), { data: { type: { message: 'Value is not of type object', target: 'object' } } });
});

test('the envelope\'s /data prefix is left out of field names', (t) => {
  const schema = {
    type: 'object', required: ['data'],
    properties: { data: { type: 'object', required: ['name'], properties: { settings: { type: 'object', properties: { n: { type: 'integer' } } } } }, auth_token: { type: 'string' } }
  };
  t.deepEqual(fieldErrors(errorsOf(schema, { data: { settings: { n: 'x' } }, auth_token: 7 }), '/data'), {
    name: { required: REQUIRED },
    'settings.n': { type: { message: 'Value is not of type integer', target: 'integer' } },
    auth_token: { type: { message: 'Value is not of type string', target: 'string' } }
  });
});

test('validator() refuses with every problem in Kazoo\'s shape, and fills defaults in a valid value', (t) => {
  const check = validator<{ name: string; enabled: boolean }>({
    type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 4 }, enabled: { type: 'boolean', default: true } }
  });
  const err = t.throws(() => check({ enabled: 'yes' })) as Error & { data?: unknown; kind?: string; kazooMessage?: string };
  t.is(err.kind ?? err.kazooMessage, 'validation error');
  t.deepEqual(err.data, { name: { required: REQUIRED }, enabled: { type: { message: 'Value is not of type boolean', target: 'boolean' } } });
  t.deepEqual(check({ name: 'abcd' }), { name: 'abcd', enabled: true });
  const tooLong = t.throws(() => check({ name: 'abcde' })) as Error & { data?: unknown };
  t.deepEqual(tooLong.data, { name: { maxLength: { message: 'Value must be at most 4 characters', target: 4 } } });
});
