/**
 * One line of delimited text split into fields as RFC 4180 reads it: a field in double quotes may
 * hold the delimiter and doubled quotes ("CoP X, mm" and "say ""hi"""); fields are trimmed. Rows of
 * a CoP table never span lines, so a quote left open runs to the end of the line.
 */

/** The line with its quoted parts removed (to find the delimiter outside them). */
export function unquoted(line: string): string {
  return line.replace(/"(?:[^"]|"")*"?/g, '');
}

export function splitDelimited(line: string, delim: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field.trim() === '') {
      quoted = true;
      wasQuoted = true;
      field = '';
    } else if (c === delim) {
      out.push(wasQuoted ? field : field.trim());
      field = '';
      wasQuoted = false;
    } else if (!(wasQuoted && /\s/.test(c))) field += c;
  }
  out.push(wasQuoted ? field : field.trim());
  return out.map((f) => f.trim());
}
