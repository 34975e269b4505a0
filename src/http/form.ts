// Form bodies (Pivot's req_body_format=form) keep their raw text, so the
// parameters reach the show byte for byte as sent; the fields are parsed too.
import { textOf } from './fields.js';

const RAW = Symbol('raw form');

export function parseForm(text: string): Record<string, string> {
  const fields: Record<string, string> = Object.create(null);
  for (const [key, value] of new URLSearchParams(text)) fields[key] = value;
  Object.defineProperty(fields, RAW, { value: text });
  return fields;
}

export function rawForm(body: unknown): string | undefined {
  return textOf(body, RAW);
}
