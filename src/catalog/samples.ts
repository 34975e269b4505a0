// Sample calls: what Kazoo's Pivot sends for common situations (all values
// strings, as the show sees them), to try functions with.
import type { CallValue } from '../invoke/encode.js';

export interface Sample { id: string; name: string; description: string; call: Record<string, CallValue> }

const base = {
  'Account-ID': '1760753c8d022d650418fbbe6a1a10e0',
  'Api-Version': '4.x',
  'Call-ID': '4fa2d9c0-3b1e-11ef-9a4c-0242ac120002@10.26.0.81',
  'Call-Status': 'ringing',
  'Caller-ID-Name': 'Alice Smith',
  'Caller-ID-Number': '+15551234567',
  Direction: 'inbound',
  From: '+15551234567',
  'From-Realm': 'sip.carrier.example',
  Language: 'en-us',
  Request: '2000@acme.example.com',
  'Request-Realm': 'acme.example.com',
  To: '2000',
  'To-Realm': 'acme.example.com'
};

export const samples: Sample[] = [
  {
    id: 'inbound_call', name: 'Inbound call', description: 'A call from the outside world to extension 2000',
    call: { ...base }
  },
  {
    id: 'collected_digits', name: 'Call with collected digits',
    description: 'The caller pressed 1 at a menu (collect_dtmf) before the function ran',
    call: { ...base, Digits: '1', 'User-ID': ['8bd1a4ae1d7eaa0e9bda3a2d5c1b1f0e'] }
  },
  {
    id: 'custom_application_vars', name: 'Call with Custom-Application-Vars',
    description: 'The callflow set variables (set_variable) and a SIP header came with the call',
    call: {
      ...base, 'Caller-ID-Name': 'Bob Jones', 'Caller-ID-Number': '+15557654321', From: '+15557654321',
      'Custom-Application-Vars': { tier: 'gold', campaign: 'spring' }, 'Custom-SIP-Headers': { 'X-Customer-ID': 'C-1001' }
    }
  }
];
