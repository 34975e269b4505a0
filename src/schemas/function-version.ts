// A published version, in TypeScript so the API's types come from it (as const).
export const functionVersionSchema = {
  $id: 'function_version',
  title: 'function version',
  description: 'An immutable published version of a function\'s code',
  type: 'object',
  required: ['version', 'function_js'],
  properties: {
    version: {
      type: 'string',
      maxLength: 128,
      pattern: '^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?(\\+[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?$',
      description: 'A semantic version (semver.org): 1.2.0, 1.3.0-beta.1'
    },
    function_js: {
      type: 'string',
      minLength: 1,
      description: 'The ES5 body of function(call){...} for this version'
    },
    notes: {
      type: 'string',
      maxLength: 4096,
      description: 'What changed in this version'
    }
  },
  additionalProperties: false
} as const;
