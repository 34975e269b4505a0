// Starter functions: ES5 bodies of function(call){...}, each returning a valid
// callflow for every sample call. `example` is what it returns for one sample.

export interface Template {
  id: string;
  name: string;
  description: string;
  function_js: string;
  example?: { sample: string; callflow: unknown };
}

export const templates: Template[] = [
  {
    id: 'say_hi', name: 'Say hi', description: 'Greets the caller by name with text to speech',
    function_js: [
      "var name = call['Caller-ID-Name'] || 'there';",
      "return { module: 'tts', data: { text: 'Hi ' + name + ', thanks for calling.' } };"
    ].join('\n'),
    example: { sample: 'inbound_call', callflow: { module: 'tts', data: { text: 'Hi Alice Smith, thanks for calling.' } } }
  },
  {
    id: 'day_of_week', name: 'Day of week', description: 'Tells the caller what day it is (UTC)',
    function_js: [
      "var days = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];",
      "return { module: 'tts', data: { text: 'Today is ' + days[new Date().getUTCDay()] + '.' } };"
    ].join('\n')
  },
  {
    id: 'business_hours', name: 'Business hours routing',
    description: 'Rings the called user 9:00-17:00 UTC on weekdays, else sends the caller to voicemail',
    function_js: [
      'var now = new Date();',
      'var day = now.getUTCDay(), hour = now.getUTCHours();',
      'var open = day >= 1 && day <= 5 && hour >= 9 && hour < 17;',
      'if (open) {',
      "  return { module: 'user', data: { id: call['To'] || 'operator', timeout: 20 },",
      "    children: { _: { module: 'voicemail', data: { id: call['To'] || 'operator' } } } };",
      '}',
      "return { module: 'tts', data: { text: 'We are closed. Please leave a message.' },",
      "  children: { _: { module: 'voicemail', data: { id: call['To'] || 'operator' } } } };"
    ].join('\n')
  },
  {
    id: 'caller_id_block_list', name: 'Caller ID block list',
    description: 'Hangs up on numbers in the list, greets everyone else',
    function_js: [
      "var blocked = ['+15550000000', '+15557654321'];",
      "var number = call['Caller-ID-Number'] || '';",
      'for (var i = 0; i < blocked.length; i++) {',
      "  if (blocked[i] === number) return { module: 'response', data: { code: '486', message: 'Busy Here' } };",
      '}',
      "return { module: 'tts', data: { text: 'Connecting you now.' } };"
    ].join('\n'),
    example: { sample: 'custom_application_vars', callflow: { module: 'response', data: { code: '486', message: 'Busy Here' } } }
  }
];
