// What makes a function doc acceptable, beyond its schema: ES5 that parses
// (line and column of the first problem) and a size limit.
import { parse } from 'acorn';
import { functionSchema } from '../schemas/index.js';
import { bodyAjv, fieldErrors } from '../schemas/validate.js';
import { validationError, type FieldErrors } from '../errors.js';

const { $id: _id, ...schema } = functionSchema;
const validateSchema = bodyAjv.compile(schema);

/** The first ES5 problem in a function body, or null. */
export function es5Problem(body: string): { line: number; column: number; message: string } | null {
  try {
    // exactly a function body: a script in which `return` is allowed
    parse(body, { ecmaVersion: 5, allowReturnOutsideFunction: true, sourceType: 'script', locations: true });
    return null;
  } catch (err) {
    const e = err as SyntaxError & { loc?: { line: number; column: number } };
    return { line: e.loc?.line ?? 1, column: (e.loc?.column ?? 0) + 1, message: e.message.replace(/\s*\(\d+:\d+\)$/, '') };
  }
}

/** Checks a whole function (public fields): the schema unless the route
 * already did, then the rules a schema cannot say; throws Kazoo's 400 listing every problem. */
export function checkFunction(fields: Record<string, unknown>, maxFunctionBytes: number, schemaChecked = false): void {
  const errors: FieldErrors = schemaChecked || validateSchema(fields) ? {} : fieldErrors(validateSchema.errors ?? []);
  const body = fields.function_js;
  if (typeof body === 'string' && !errors.function_js) {
    const bytes = Buffer.byteLength(body);
    const problem = es5Problem(body);
    if (bytes > maxFunctionBytes) {
      errors.function_js = { maxLength: { message: `function_js is ${bytes} bytes; at most ${maxFunctionBytes} are allowed`, target: maxFunctionBytes } };
    } else if (problem) {
      errors.function_js = { invalid: { message: `not valid ES5 at line ${problem.line}, column ${problem.column}: ${problem.message}`, line: problem.line, column: problem.column } };
    }
  }
  if (Object.keys(errors).length > 0) throw validationError(errors);
}
