// Sloppy customer code may assign to names it never declared (`greeting =
// 'Hi'`, Kazoo's own examples do). The show's global is frozen, so such names
// are made the call's own variables instead. This scanner finds them: names
// written by `=`, `op=`, `++`, `--` or `for (x in ...)` that are not property
// names. Finding one too many is harmless (one more local variable); missing
// one leaves a clear ReferenceError, never a shared global.
import { hasOwn, push, regExpExec } from './intrinsics';

var KEYWORDS = ' break case catch class const continue debugger default delete do else enum export extends false finally' +
  ' for function if implements import in instanceof interface let new null package private protected public return' +
  ' static super switch this throw true try typeof var void while with yield call arguments eval ';
// After one of these a `/` starts a regular expression, not a division.
var BEFORE_REGEXP = '(,=:[!&|?{};~+-*%<>^';
var REGEXP_KEYWORDS = ' return typeof case do else in new delete void throw instanceof ';

function isIdentifierChar(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '_' || c === '$';
}

function skipQuoted(source: string, i: number, quote: string): number {
  for (var j = i + 1; j < source.length; j++) {
    var c = source.charAt(j);
    if (c === '\\') j++;
    else if (c === quote || (c === '\n' && quote !== '/')) return j + 1;
    else if (quote === '/' && c === '[') {
      for (j++; j < source.length && source.charAt(j) !== ']'; j++) if (source.charAt(j) === '\\') j++;
    }
  }
  return source.length;
}

var SPACE = /^\s$/;

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || ((c < ' ' || c > '~') && regExpExec(SPACE, c) !== null);
}

// The source with strings, comments and regular expressions blanked out, and
// every run of blanks one space: the patterns below then meet no long run of
// spaces, on which they would backtrack in quadratic time (a 64 KB string
// literal took the whole time limit).
function codeOnly(source: string): string {
  var out = '';
  var last = ''; // last significant character ('a' after a word)
  var lastWord = '';
  var i = 0;
  while (i < source.length) {
    var c = source.charAt(i);
    var next = source.charAt(i + 1);
    var end = -1;
    if (c === '/' && next === '/') end = source.indexOf('\n', i) < 0 ? source.length : source.indexOf('\n', i);
    else if (c === '/' && next === '*') end = source.indexOf('*/', i + 2) < 0 ? source.length : source.indexOf('*/', i + 2) + 2;
    else if (c === '"' || c === "'" ||
      (c === '/' && (last === '' || BEFORE_REGEXP.indexOf(last) >= 0 || (last === 'a' && REGEXP_KEYWORDS.indexOf(' ' + lastWord + ' ') >= 0)))) {
      end = skipQuoted(source, i, c);
      last = '"';
    }
    if (end >= 0) {
      if (out.charAt(out.length - 1) !== ' ') out += ' ';
      i = end;
      continue;
    }
    if (isIdentifierChar(c)) {
      var j = i;
      while (j < source.length && isIdentifierChar(source.charAt(j))) j++;
      lastWord = source.substring(i, j);
      last = 'a';
      out += lastWord;
      i = j;
      continue;
    }
    i++;
    if (!isSpace(c)) {
      last = c;
      out += c;
    } else if (out.charAt(out.length - 1) !== ' ') out += ' ';
  }
  return out;
}

var WRITES = [
  /(^|[^.\w$])\s*([A-Za-z_$][\w$]*)\s*(?:[-+*\/%&|^]|<<|>>>?)?=(?!=)/g,
  /(\+\+|--)\s*([A-Za-z_$][\w$]*)/g,
  /(^|[^.\w$])\s*([A-Za-z_$][\w$]*)\s*(?:\+\+|--)/g,
  /(for\s*\(\s*)([A-Za-z_$][\w$]*)\s+in\b/g
];

/** Names the code may assign without declaring them, in order of appearance. */
export function assignedNames(source: string): string[] {
  var code = codeOnly(source);
  var found: string[] = [];
  var seen: { [key: string]: boolean } = {};
  for (var p = 0; p < WRITES.length; p++) {
    var pattern = WRITES[p];
    pattern.lastIndex = 0;
    var match;
    while ((match = regExpExec(pattern, code)) !== null) {
      var name = match[2];
      if (KEYWORDS.indexOf(' ' + name + ' ') < 0 && !hasOwn(seen, '$' + name)) {
        seen['$' + name] = true;
        push(found, name);
      }
      // the next match may begin right after this name (`a = b = 1`)
      pattern.lastIndex = match.index + match[0].indexOf(name, match[1].length) + name.length;
    }
  }
  return found;
}
