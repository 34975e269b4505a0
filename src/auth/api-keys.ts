// API keys: 64 hex characters. Only their SHA-256 is needed to find an account.
import { createHash, randomBytes } from 'node:crypto';

export const newApiKey = () => randomBytes(32).toString('hex');
export const apiKeyHash = (key: string) => createHash('sha256').update(key).digest('hex');
