// JSON Schema validation with errors in Kazoo's shape:
// {"name": {"required": {"message": "Field is required but missing"}}}.
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { validationError, type FieldErrors } from '../errors.js';

const AjvClass = Ajv as unknown as typeof Ajv.default;

/** Bodies are taken as sent (no coercion); defaults are filled in. */
export const bodyAjv = new AjvClass({ allErrors: true, useDefaults: true, coerceTypes: false, strict: false });
/** Query strings and path parameters arrive as text: coerce them. */
export const paramAjv = new AjvClass({ allErrors: true, useDefaults: true, coerceTypes: 'array', strict: false });

/** What of an ajv error the messages read (fastify passes its validation errors on as these). */
type FieldError = Pick<ErrorObject, 'keyword' | 'instancePath' | 'params' | 'message'>;

function kazooMessage(e: FieldError): { rule: string; message: string; extra: Record<string, unknown> } {
  const p = e.params as Record<string, any>;
  switch (e.keyword) {
    case 'required': return { rule: 'required', message: 'Field is required but missing', extra: {} };
    case 'type': return { rule: 'type', message: `Value is not of type ${p.type}`, extra: { target: p.type } };
    case 'minLength': return { rule: 'minLength', message: `Value must be at least ${p.limit} characters`, extra: { target: p.limit } };
    case 'maxLength': return { rule: 'maxLength', message: `Value must be at most ${p.limit} characters`, extra: { target: p.limit } };
    case 'minimum': return { rule: 'minimum', message: `Value must be at least ${p.limit}`, extra: { target: p.limit } };
    case 'maximum': return { rule: 'maximum', message: `Value must be at most ${p.limit}`, extra: { target: p.limit } };
    case 'enum': return { rule: 'enum', message: 'Value not found in enumerated list of values', extra: { target: p.allowedValues } };
    case 'pattern': return { rule: 'pattern', message: `Value must match ${p.pattern}`, extra: { target: p.pattern } };
    case 'uniqueItems': return { rule: 'unique', message: 'Values must be unique', extra: {} };
    case 'maxItems': return { rule: 'maxItems', message: `At most ${p.limit} items`, extra: { target: p.limit } };
    case 'additionalProperties': return { rule: 'forbidden', message: 'Field is not allowed', extra: {} };
    default: return { rule: e.keyword, message: e.message ?? 'Value is invalid', extra: {} };
  }
}

/** ajv errors -> Kazoo's field map; `prefix` (e.g. "/data") is dropped from paths. */
export function fieldErrors(errors: FieldError[], prefix = ''): FieldErrors {
  const fields: FieldErrors = {};
  for (const e of errors) {
    let path = e.instancePath.startsWith(prefix) ? e.instancePath.slice(prefix.length) : e.instancePath;
    const p = e.params as Record<string, any>;
    if (e.keyword === 'required') path += `/${p.missingProperty}`;
    if (e.keyword === 'additionalProperties') path += `/${p.additionalProperty}`;
    const field = path.replace(/^\//, '').split('/').join('.') || 'data';
    const { rule, message, extra } = kazooMessage(e);
    fields[field] = { ...fields[field], [rule]: { message, ...extra } };
  }
  return fields;
}

/** A compiled body validator that throws Kazoo's 400 with every problem. */
export function validator<T>(schema: object): (value: unknown) => T {
  const validate: ValidateFunction = bodyAjv.compile(schema);
  return (value) => {
    if (!validate(value)) throw validationError(fieldErrors(validate.errors ?? []));
    return value as T;
  };
}
