// Reading a request part no schema describes (the token, a provider's field,
// a form's raw text): an object's field, or nothing, without trusting a shape.

/** value[key] when value is an object (a parsed body, a query), else undefined. */
export function fieldOf(value: unknown, key: string | symbol): unknown {
  return typeof value === 'object' && value !== null ? Reflect.get(value, key) : undefined;
}

/** value[key] when that is text. */
export function textOf(value: unknown, key: string | symbol): string | undefined {
  const field = fieldOf(value, key);
  return typeof field === 'string' ? field : undefined;
}

/** A body's fields, a JSON object's or a form's alike; none for any other body. */
export function bodyFields(body: unknown): Record<string, unknown> {
  return body && typeof body === 'object' ? { ...body } : {};
}
