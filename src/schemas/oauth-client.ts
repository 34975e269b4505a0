// An OAuth client, in TypeScript so the API's types come from it (as const).
export const oauthClientSchema = {
  $id: 'oauth_client',
  title: 'oauth_client',
  description: 'An API client of an account, for OAuth 2.0 client credentials',
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 128, description: 'What the client is, for people' },
    scopes: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string', enum: ['functions.invoke', 'functions.read', 'functions.write'] },
      default: ['functions.invoke', 'functions.read'],
      description: 'What its tokens may do'
    },
    token_seconds: {
      type: 'integer', minimum: 60, maximum: 86400,
      description: 'Lifetime of this client\'s tokens (COUCHFN_OAUTH_TOKEN_SECONDS when absent); LivePerson\'s client fetches a new token whenever one has under 30 minutes left, so give its clients more than 1800'
    }
  }
} as const;
