// An installation, in TypeScript so the API's types come from it (as const).
export const installationSchema = {
  $id: 'installation',
  title: 'installation',
  description: 'An account\'s installation of a reseller\'s global function: the value that names the account on the function\'s public route',
  type: 'object',
  required: ['function'],
  properties: {
    function: {
      type: 'string',
      minLength: 1,
      maxLength: 128,
      description: 'The name of a global function of one of the account\'s resellers'
    },
    value: {
      type: 'string',
      minLength: 1,
      maxLength: 512,
      description: 'What identifies this account in the function\'s requests (its installation_resolution); for GUID it is the account id, the default'
    }
  },
  additionalProperties: false
} as const;
