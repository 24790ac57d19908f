// Reads a Dispatch Router configuration file the way its manual, qdrouterd.conf(5), describes it.
// Written here from that description (no router code):
//
//   sectionName {                 a section: an entity type; its attributes follow, one a line,
//       attributeName: value      the value is the rest of the line after the first ':', trimmed
//   }                             a closing brace on its own line ends the section
//   # comment                     a line whose first non-blank character is '#'
//
// Older manuals (qpid-dispatch 0.x, Hono 0.5's router) spell names with hyphens (`ssl-profile`,
// `cert-db`); current ones in camelCase (`sslProfile`, `certDb`). Both name the same thing, so
// names are read into camelCase. A file whose name ends in `.json` is the JSON form: a list of
// [entityType, {attribute: value}] pairs (`#` comment lines are skipped there too).

/** One section: its entity type and its attributes, in file order. */
export type RouterSection = [type: string, attributes: Record<string, unknown>];

export class RouterConfigError extends Error {
  override name = 'RouterConfigError';
}

/** `ssl-profile` / `cert_db` / `certDb` -> `sslProfile` / `certDb` / `certDb`. */
export function camelName(name: string): string {
  const [first = '', ...rest] = name.split(/[-_ .]+/).filter((w) => w.length > 0);
  return first + rest.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

const SECTION_OPEN = /^([A-Za-z][\w.-]*)\s*\{$/;
const ATTRIBUTE = /^([A-Za-z][\w .-]*?)\s*:\s*(.*)$/;

/** Parses qdrouterd.conf text (or its JSON form when `fileName` ends in .json). Throws RouterConfigError naming file and line. */
export function readRouterConfig(text: string, fileName = 'qdrouterd.conf'): RouterSection[] {
  return fileName.endsWith('.json') ? readJsonForm(text, fileName) : readConfForm(text, fileName);
}

function readConfForm(text: string, fileName: string): RouterSection[] {
  const sections: RouterSection[] = [];
  let open: { section: RouterSection; line: number } | undefined;
  const fail = (line: number, what: string): never => {
    throw new RouterConfigError(`${fileName}:${line}: ${what}`);
  };
  text.split(/\r?\n/).forEach((raw, i) => {
    const n = i + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (line === '}') {
      if (!open) fail(n, "'}' closes no section");
      sections.push(open!.section);
      open = undefined;
      return;
    }
    const section = SECTION_OPEN.exec(line);
    if (section) {
      if (open) fail(n, `section '${section[1]}' opens inside section '${open.section[0]}' (line ${open.line}), which has no closing '}'`);
      open = { section: [camelName(section[1]!), {}], line: n };
      return;
    }
    const attribute = ATTRIBUTE.exec(line);
    if (!attribute) fail(n, `expected 'sectionName {', 'attributeName: value', '}' or a '#' comment, got '${line}'`);
    if (!open) fail(n, `attribute '${attribute![1]}' outside a section`);
    const key = camelName(attribute![1]!);
    const attrs = open!.section[1];
    if (key in attrs) fail(n, `attribute '${key}' given twice in section '${open!.section[0]}'`);
    attrs[key] = attribute![2]!;
  });
  if (open) fail(open.line, `section '${open.section[0]}' has no closing '}'`);
  return sections;
}

function readJsonForm(text: string, fileName: string): RouterSection[] {
  const body = text
    .split(/\r?\n/)
    .map((l) => (l.trim().startsWith('#') ? '' : l))
    .join('\n');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (e) {
    throw new RouterConfigError(`${fileName}: not JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new RouterConfigError(`${fileName}: the JSON form is a list of [entityType, {attributes}] pairs, got ${typeof parsed}`);
  return parsed.map((entry, i): RouterSection => {
    const ok = Array.isArray(entry) && entry.length === 2 && typeof entry[0] === 'string' && entry[1] !== null && typeof entry[1] === 'object' && !Array.isArray(entry[1]);
    if (!ok) throw new RouterConfigError(`${fileName}: entry ${i} is not an [entityType, {attributes}] pair`);
    const attrs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(entry[1] as Record<string, unknown>)) attrs[camelName(k)] = v;
    return [camelName(entry[0] as string), attrs];
  });
}
