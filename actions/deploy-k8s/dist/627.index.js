export const id = 627;
export const ids = [627];
export const modules = {

/***/ 9627:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  start: () => (/* binding */ start)
});

// EXTERNAL MODULE: ../../node_modules/@actions/core/lib/core.js + 14 modules
var lib_core = __webpack_require__(22825);
;// CONCATENATED MODULE: ../../packages/action-kit/src/cell.ts
/** Escapes text for a Markdown table cell (pipes, newlines, HTML). */
function cell(value) {
    const text = typeof value === 'string' ? value : value === undefined || value === null ? '' : JSON.stringify(value);
    return text
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/\|/g, '\\|')
        .replace(/\r?\n/g, '<br>');
}

;// CONCATENATED MODULE: ../../packages/action-kit/src/protocol/secret-fragments.ts
/**
 * Which lines of a multi-line secret are masked on their own. actions/runner
 * registers every trimmed line (AddMaskCommandExtension and
 * Worker.InitializeSecretMasker), so a kubeconfig secret masks `apiVersion: v1`
 * and `kind: Config` wherever they appear, deploy diffs included. This kit
 * deliberately differs: it masks the secret material of each line, not its
 * structure.
 */
/** Lines (or `key: value` values) shorter than this carry structure, not secrets ("kind: Config", "users:"). */
const MIN_FRAGMENT_LENGTH = 8;
/**
 * The parts of a multi-line secret worth masking on their own: for `key: value`
 * lines (YAML, INI) the value, otherwise the whole line (PEM and base64 lines),
 * when long enough to be secret material.
 */
function secretFragments(value) {
    const fragments = new Set();
    for (const raw of value.split(/\r\n|\r|\n/)) {
        const line = raw.trim().replace(/^- /, '');
        const keyValue = /^[\w.-]+\s*[:=]\s*(.*)$/.exec(line);
        const candidate = (keyValue ? keyValue[1] : line).replace(/^["']|["']$/g, '');
        if (candidate.length >= MIN_FRAGMENT_LENGTH && candidate !== value)
            fragments.add(candidate);
    }
    return [...fragments];
}

;// CONCATENATED MODULE: ../../packages/action-kit/src/protocol/value-encoders.ts
/**
 * The other spellings of a secret the runner masks too: the value encoders
 * actions/runner registers in HostContext.cs (implemented in
 * src/Sdk/DTLogging/Logging/ValueEncoders.cs), in the same order. An encoder
 * that yields '' adds nothing.
 */
const base64 = (bytes) => Buffer.from(bytes).toString('base64');
const utf8 = (value) => Buffer.from(value, 'utf8');
/**
 * base64 of the value with its first `shift` bytes dropped: inside a longer
 * base64 text (`base64("user:" + secret)`) the secret's encoding depends on
 * its byte offset modulo 3. A value not longer than `shift` is encoded whole.
 */
function base64Shifted(value, shift) {
    const bytes = utf8(value);
    return base64(bytes.length > shift ? bytes.subarray(shift) : bytes);
}
// Newtonsoft's JsonConvert.ToString escapes what JSON.stringify does and also U+0085, U+2028, U+2029.
function jsonEscape(value) {
    return JSON.stringify(value)
        .slice(1, -1)
        .replace(/[\u0085\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
// .NET Uri.EscapeDataString keeps only RFC 3986 unreserved characters; encodeURIComponent also keeps !'()*.
function uriDataEscape(value) {
    try {
        return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    }
    catch {
        return ''; // a lone surrogate: nothing sensible to register
    }
}
const XML_ENTITIES = { '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '&': '&amp;' };
/** PowerShell colours parts of an erroring command split at `&` (or after `&+` and one more character). */
function ampersandSection(value, part) {
    if (!value.includes('&'))
        return '';
    const plus = value.indexOf('&+');
    let section;
    if (part === 'before')
        section = plus >= 0 ? value.slice(0, plus + 2) : value.slice(0, value.lastIndexOf('&') + 1);
    else if (plus >= 0)
        section = value.length > plus + 3 ? value.slice(plus + 3) : '';
    else
        section = value.slice(value.lastIndexOf('&') + 1);
    return section.length >= 6 ? section : '';
}
const VALUE_ENCODERS = [
    (v) => base64(utf8(v)),
    (v) => base64Shifted(v, 1),
    (v) => base64Shifted(v, 2),
    (v) => v.replaceAll('"', '\\"'), // command-line argument escape
    (v) => v.replaceAll("'", "''"), // expression string literal
    jsonEscape,
    uriDataEscape,
    (v) => v.replace(/[<>"'&]/g, (c) => XML_ENTITIES[c] ?? c),
    (v) => (v.length > 8 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : ''),
    (v) => ampersandSection(v, 'before'),
    (v) => ampersandSection(v, 'after'),
];

;// CONCATENATED MODULE: ../../packages/action-kit/src/protocol/secret-masker.ts
/**
 * Log masking as actions/runner does it (src/Sdk/DTLogging/Logging/SecretMasker.cs,
 * ValueSecret.cs): every registered value and each of its encodings
 * (value-encoders.ts) is found in the text, overlapping or touching matches
 * merge into one range, and each range becomes `***`. There is no minimum
 * length: the runner masks any non-empty value. Multi-line values are also
 * masked line by line, with this kit's rule for which lines (secret-fragments.ts).
 */


const isMultiLine = (value) => /[\r\n]/.test(value);
class SecretMasker {
    originals = new Set();
    secrets = new Set();
    encoders;
    constructor(values = [], encoders = VALUE_ENCODERS) {
        this.encoders = encoders;
        for (const value of values)
            if (value !== undefined)
                this.add(value);
    }
    /** The runner's AddValue: the value itself and its encodings. Empty values are ignored. */
    addValue(value) {
        if (value === '' || this.originals.has(value))
            return;
        this.originals.add(value);
        this.secrets.add(value);
        for (const encode of this.encoders) {
            const encoded = encode(value);
            if (encoded !== '')
                this.secrets.add(encoded);
        }
    }
    /**
     * What `::add-mask::` registers: the whole value, the trimmed value of a
     * one-line value (the runner registers each trimmed line; of a multi-line
     * value only its secret fragments here) and the secret fragments (what the
     * kit's maskSecret registers too). Returns false for a blank value, which
     * the runner refuses with a warning.
     */
    add(value) {
        if (value.trim() === '')
            return false;
        this.addValue(value);
        if (!isMultiLine(value))
            this.addValue(value.trim());
        for (const fragment of secretFragments(value))
            this.addValue(fragment);
        return true;
    }
    /** What a secret of the `secrets` context registers: the same, for the trimmed value. */
    addSecret(value) {
        return this.add(value.trim());
    }
    /** Every string that is masked (values and encodings), longest first. */
    get values() {
        return [...this.secrets].sort((a, b) => b.length - a.length);
    }
    mask(text) {
        if (text === '' || this.secrets.size === 0)
            return text;
        const ranges = [];
        for (const secret of this.secrets) {
            for (let at = text.indexOf(secret); at >= 0; at = text.indexOf(secret, at + 1))
                ranges.push([at, at + secret.length]);
        }
        if (ranges.length === 0)
            return text;
        ranges.sort((a, b) => a[0] - b[0]);
        let result = '';
        let [start, end] = ranges[0];
        let copied = 0;
        for (const [s, e] of ranges.slice(1)) {
            if (s <= end) {
                end = Math.max(end, e);
                continue;
            }
            result += `${text.slice(copied, start)}***`;
            [copied, start, end] = [end, s, e];
        }
        return `${result}${text.slice(copied, start)}***${text.slice(end)}`;
    }
    /** Masks each line on its own, as the runner scrubs a job summary before upload. */
    maskLines(text) {
        return text
            .split('\n')
            .map((line) => this.mask(line))
            .join('\n');
    }
}

;// CONCATENATED MODULE: ../../packages/action-kit/src/url-credentials.ts
/** `scheme://userinfo@`: userinfo runs to the last `@` before the path, as WHATWG URL parsing has it. */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/?#\\\s]*@/gi;
/** `text` with the user:password part of every URL in it replaced by `***`. */
function redactUrlCredentials(text) {
    return text.replace(USERINFO, '$1***@');
}

;// CONCATENATED MODULE: ../../packages/action-kit/src/redaction.ts
/**
 * The one redaction for everything an action writes: the log (through the
 * runner's masks), the job summary, outputs, annotations, the failure message
 * and every file (SARIF, JSON reports). maskSecret registers a value with the
 * runner (`::add-mask::`) and in this process's registry; redact replaces
 * every registered value, and each spelling of it, with `***`.
 *
 * Spellings are the runner's own (protocol/value-encoders.ts: base64 at three
 * byte offsets, JSON, URI-data, XML...) plus what a server or scanner echoing a
 * secret also produces and the runner does not mask: base64url, base64 of the
 * secret inside a longer base64 text (only the groups the secret fills, since
 * the last group depends on what follows), form encoding, ASCII-only JSON and
 * a Markdown table cell. Multi-line values are also masked piece by piece,
 * split at CR, LF or CRLF (secret-fragments.ts), so a lone CR cannot hide one.
 * The extra spellings are registered with the runner too, so the log is
 * masked the same way.
 */







const shifted = (value, shift) => {
    const bytes = Buffer.from(value, 'utf8');
    return bytes.length > shift ? bytes.subarray(shift) : bytes;
};
/** The complete 3-byte groups of the value from byte `shift` on: what any base64 text containing it at that alignment holds. */
function base64Groups(shift, alphabet) {
    return (value) => {
        const bytes = Buffer.from(value, 'utf8').subarray(shift);
        const whole = bytes.length - (bytes.length % 3);
        return whole < 3 ? '' : bytes.subarray(0, whole).toString(alphabet);
    };
}
const asciiJson = (value) => JSON.stringify(value)
    .slice(1, -1)
    .replace(/[^\u0020-\u007e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
const formEncoded = (value) => {
    try {
        return new URLSearchParams({ v: value }).toString().slice(2);
    }
    catch {
        return '';
    }
};
/** The spellings this kit masks on top of the runner's. */
const EXTRA_ENCODERS = [
    (v) => shifted(v, 0).toString('base64url'),
    (v) => shifted(v, 1).toString('base64url'),
    (v) => shifted(v, 2).toString('base64url'),
    ...[0, 1, 2].flatMap((shift) => [base64Groups(shift, 'base64'), base64Groups(shift, 'base64url')]),
    formEncoded,
    asciiJson,
    (v) => cell(v),
];
const REDACTION_ENCODERS = [...VALUE_ENCODERS, ...EXTRA_ENCODERS];
const registered = [];
let registry;
/** Every spelling of `value` and of its fragments that the runner would not mask by itself. */
function extraSpellings(value) {
    const spellings = new Set();
    for (const part of [value, ...secretFragments(value)])
        for (const encode of EXTRA_ENCODERS) {
            const encoded = encode(part);
            if (encoded !== '' && encoded !== part)
                spellings.add(encoded);
        }
    return [...spellings];
}
/** Registers a secret: masked in the log by the runner and redacted from everything redact() sees. Empty values are ignored. */
function maskSecret(value) {
    if (!value || value.trim() === '')
        return;
    lib_core/* setSecret */.Pq(value);
    for (const fragment of secretFragments(value))
        lib_core/* setSecret */.Pq(fragment);
    for (const spelling of extraSpellings(value))
        lib_core/* setSecret */.Pq(spelling);
    registered.push(value);
    registry = undefined;
}
/** The values maskSecret registered in this process (for tests and for checks on what an action wrote). */
function registeredSecrets() {
    return [...registered];
}
/**
 * `text` with every registered secret, each given in `secrets`, and the user:password part
 * of every URL replaced by `***`, in all the spellings above.
 */
function redaction_redact(text, secrets = []) {
    const extra = [...secrets].filter((s) => s !== undefined && s.trim() !== '');
    const masker = extra.length === 0
        ? (registry ??= new SecretMasker(registered, REDACTION_ENCODERS))
        : new SecretMasker([...registered, ...extra], REDACTION_ENCODERS);
    return redactUrlCredentials(masker.mask(text));
}
/** A JSON value with every string in it (keys too) redacted: for reports and SARIF, which stay valid JSON. */
function redaction_redactJson(value, secrets = []) {
    const list = [...secrets];
    const walk = (node) => {
        if (typeof node === 'string')
            return redaction_redact(node, list);
        if (Array.isArray(node))
            return node.map(walk);
        if (node !== null && typeof node === 'object') {
            const out = {};
            for (const [key, child] of Object.entries(node))
                out[redaction_redact(key, list)] = walk(child);
            return out;
        }
        return node;
    };
    return walk(value);
}

;// CONCATENATED MODULE: ../../packages/action-kit/src/errors.ts
/**
 * Errors that carry a message written for the person reading the workflow log.
 * Anything else that is thrown is still reported, with its class name, so that
 * nothing surfaces as "[object Object]" or an empty failure.
 */

class errors_ActionError extends Error {
    name = 'ActionError';
}
/** A bad input value: the message names the input, the value and what is accepted. */
class errors_InputError extends errors_ActionError {
    name = 'InputError';
    input;
    value;
    accepted;
    constructor(input, value, accepted) {
        super(`Input '${input}' has an invalid value ${quoteValue(value)}: expected ${accepted}.`);
        this.input = input;
        this.value = value;
        this.accepted = accepted;
    }
}
/** The most of a bad value an error quotes: enough to recognise it, never a 130 KB input echoed whole. */
const QUOTE_MAX_CHARS = 120;
/**
 * A bad value as an error quotes it: redacted first (so that cutting it
 * cannot leave a secret's first half unmasked), then cut to QUOTE_MAX_CHARS,
 * then in JSON quotes with the line separators and C1 controls JSON leaves
 * alone escaped too.
 */
function quoteValue(value) {
    const redacted = redaction_redact(value);
    const shown = redacted.length > QUOTE_MAX_CHARS ? `${redacted.slice(0, QUOTE_MAX_CHARS - 3)}...` : redacted;
    return JSON.stringify(shown).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
/** Turns any thrown value into one readable line (plus causes), never an empty string. */
function describeError(error) {
    if (error instanceof errors_ActionError)
        return withCause(error.message, error.cause);
    if (error instanceof Error) {
        const prefix = error.name && error.name !== 'Error' ? `${error.name}: ` : '';
        return withCause(`${prefix}${error.message || '(no message)'}`, error.cause);
    }
    if (typeof error === 'string')
        return error || '(empty error)';
    try {
        return `Unexpected non-error value thrown: ${JSON.stringify(error)}`;
    }
    catch {
        return `Unexpected non-error value thrown: ${String(error)}`;
    }
}
function withCause(message, cause) {
    if (cause === undefined || cause === null)
        return message;
    return `${message} (caused by: ${describeError(cause)})`;
}

;// CONCATENATED MODULE: ../../packages/action-kit/src/inputs.ts
/**
 * Typed parsers for action inputs. Each takes the input's name and raw string
 * (as core.getInput returns it) and either returns a typed value or throws an
 * InputError naming the input, the bad value and what is accepted.
 * They never read the environment themselves: each action's src/inputs.ts
 * reads every input once and passes the raw strings here.
 */

const TRUE = new Set(['true', 'True', 'TRUE', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'False', 'FALSE', 'no', 'off', '0']);
function parseBoolean(name, raw, fallback) {
    const value = raw.trim();
    if (value === '' && fallback !== undefined)
        return fallback;
    if (TRUE.has(value))
        return true;
    if (FALSE.has(value))
        return false;
    throw new errors_InputError(name, raw, 'true or false');
}
function parseInteger(name, raw, range = {}, fallback) {
    const value = raw.trim();
    if (value === '' && fallback !== undefined)
        return fallback;
    const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = range;
    const accepted = `a whole number${describeRange(min, max)}`;
    if (!/^[+-]?\d+$/.test(value))
        throw new errors_InputError(name, raw, accepted);
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min || n > max)
        throw new errors_InputError(name, raw, accepted);
    return n;
}
function parseNumber(name, raw, range = {}, fallback) {
    const value = raw.trim();
    if (value === '' && fallback !== undefined)
        return fallback;
    const { min = -Infinity, max = Infinity } = range;
    const accepted = `a number${describeRange(min, max)}`;
    const n = Number(value);
    if (value === '' || !Number.isFinite(n) || n < min || n > max)
        throw new InputError(name, raw, accepted);
    return n;
}
function describeRange(min, max) {
    const hasMin = Number.isFinite(min) && min !== Number.MIN_SAFE_INTEGER;
    const hasMax = Number.isFinite(max) && max !== Number.MAX_SAFE_INTEGER;
    if (hasMin && hasMax)
        return ` from ${min} to ${max}`;
    if (hasMin)
        return ` of at least ${min}`;
    if (hasMax)
        return ` of at most ${max}`;
    return '';
}
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION_ACCEPTED = 'a duration such as 500ms, 90s, 5m, 1h or 1m30s (a bare number means seconds)';
/** Parses `90s`, `5m`, `1h30m`, `250ms` or a bare number of seconds; returns milliseconds. */
function parseDuration(name, raw, range = {}, fallbackMs) {
    const value = raw.trim().toLowerCase();
    if (value === '' && fallbackMs !== undefined)
        return fallbackMs;
    let ms;
    if (/^\d+(\.\d+)?$/.test(value)) {
        ms = Number(value) * 1000;
    }
    else {
        const part = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;
        ms = 0;
        let consumed = 0;
        for (let match = part.exec(value); match; match = part.exec(value)) {
            ms += Number(match[1]) * UNIT_MS[match[2]];
            consumed = part.lastIndex;
        }
        if (consumed === 0 || consumed !== value.length)
            throw new errors_InputError(name, raw, DURATION_ACCEPTED);
    }
    const { minMs = 0, maxMs = Number.MAX_SAFE_INTEGER } = range;
    if (ms < minMs || ms > maxMs) {
        throw new errors_InputError(name, raw, `${DURATION_ACCEPTED}, between ${formatDuration(minMs)} and ${formatDuration(maxMs)}`);
    }
    return Math.round(ms);
}
function formatDuration(ms) {
    if (ms < 1000)
        return `${ms}ms`;
    if (ms % 3_600_000 === 0)
        return `${ms / 3_600_000}h`;
    if (ms % 60_000 === 0)
        return `${ms / 60_000}m`;
    return `${Number((ms / 1000).toFixed(3))}s`;
}
function parseEnum(name, raw, allowed, fallback) {
    const value = raw.trim();
    if (value === '' && fallback !== undefined)
        return fallback;
    if (allowed.includes(value))
        return value;
    throw new errors_InputError(name, raw, `one of ${allowed.join(', ')}`);
}
/**
 * A list given one item per line or separated by commas (or both). Blank
 * entries and `#` comment lines are dropped; surrounding whitespace is trimmed.
 * Every list is valid, so the input name is unused; it is kept so that all
 * parsers share one signature.
 */
function parseList(_name, raw, options = {}) {
    const separator = options.separator ?? 'comma-or-newline';
    const lines = raw.split(/\r?\n/).filter((line) => !line.trim().startsWith('#'));
    const items = separator === 'newline' ? lines : lines.flatMap(splitTopLevelCommas);
    return items.map((item) => item.trim()).filter((item) => item !== '');
}
/** Splits on commas that are not inside `{...}`, so glob alternatives like `*.{ts,js}` stay whole. */
function splitTopLevelCommas(line) {
    const parts = [];
    let depth = 0;
    let start = 0;
    for (let i = 0; i < line.length; i++) {
        const char = line[i];
        if (char === '{')
            depth++;
        else if (char === '}' && depth > 0)
            depth--;
        else if (char === ',' && depth === 0) {
            parts.push(line.slice(start, i));
            start = i + 1;
        }
    }
    parts.push(line.slice(start));
    return parts;
}
/** A list whose every item must come from `allowed`; duplicates are removed, order kept. */
function parseEnumList(name, raw, allowed) {
    const result = [];
    for (const item of parseList(name, raw)) {
        if (!allowed.includes(item)) {
            throw new InputError(name, item, `a comma-separated list of ${allowed.join(', ')}`);
        }
        if (!result.includes(item))
            result.push(item);
    }
    return result;
}
/**
 * `key=value` pairs, one per line (the first `=` splits; values may contain `=`).
 * Keys must be unique and non-empty.
 */
function parseKeyValueMap(name, raw) {
    const map = new Map();
    for (const line of raw.split(/\r?\n/)) {
        const trimmed = line.trim();
        if (trimmed === '' || trimmed.startsWith('#'))
            continue;
        const eq = trimmed.indexOf('=');
        const key = eq > 0 ? trimmed.slice(0, eq).trim() : '';
        if (key === '')
            throw new errors_InputError(name, trimmed, 'one key=value pair per line, with a non-empty key');
        if (map.has(key))
            throw new errors_InputError(name, trimmed, `each key once (key '${key}' appears twice)`);
        map.set(key, trimmed.slice(eq + 1).trim());
    }
    return map;
}
/** Throws when a required input is empty. */
function requireValue(name, raw, accepted) {
    if (raw.trim() === '')
        throw new InputError(name, raw, accepted);
    return raw;
}

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(51455);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(76760);
var external_node_path_default = /*#__PURE__*/__webpack_require__.n(external_node_path_);
;// CONCATENATED MODULE: ../../packages/action-kit/src/outputs.ts
/**
 * The channels besides the log, each through the one redaction
 * (redaction.ts): step outputs and the files an action writes (reports,
 * SARIF, backups). Use these instead of core.setOutput and fs.writeFile.
 */




/** core.setOutput with every registered secret redacted. */
function setOutput(name, value) {
    core.setOutput(name, redact(String(value)));
}
/** Writes a text file, redacted; its directory is created. */
async function writeTextFile(file, text, options = {}) {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, redact(text), options.mode === undefined ? {} : { mode: options.mode });
}
/** Writes a JSON file (two-space indent, final newline) with every string in it redacted, so it stays valid JSON. */
async function writeJsonFile(file, value, options = {}) {
    await mkdir(path.dirname(file), { recursive: true });
    const text = `${JSON.stringify(redactJson(value), null, 2)}\n`;
    await writeFile(file, text, options.mode === undefined ? {} : { mode: options.mode });
}

;// CONCATENATED MODULE: ../../packages/action-kit/src/untrusted.ts
/**
 * Untrusted text on the step's stdout: file names, check names, paths, the
 * tail of a program's output. The runner reads stdout line by line (CR, LF
 * and CRLF each end a line) and acts on a line that starts, after blanks,
 * with `::`, or that holds `##[` anywhere (protocol/workflow-commands.ts). So
 * a pull request that names a file "x\n::stop-commands::t" could take over
 * the rest of the step's log. Everything an action prints that it did not
 * write itself goes through printable (one value, one line) or
 * printableLines (a text whose lines are kept), which make it inert.
 */

const NAMED = { '\n': '\\n', '\r': '\\r' };
/** C0 and C1 controls (ANSI escapes, CR, LF...) and the Unicode line separators; a tab is not one. */
function isControl(code) {
    return (code < 0x20 && code !== 0x09) || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
}
/** True when `text` holds a control character (a line break among them). */
function hasControlCharacters(text) {
    for (let i = 0; i < text.length; i++)
        if (isControl(text.charCodeAt(i)))
            return true;
    return false;
}
function escapeControls(text) {
    if (!hasControlCharacters(text))
        return text;
    let out = '';
    for (const char of text) {
        const code = char.charCodeAt(0);
        out += isControl(code) ? (NAMED[char] ?? `\\u${code.toString(16).padStart(4, '0')}`) : char;
    }
    return out;
}
/** Breaks the two command markers with a visible backslash: `\::name::` and `##\[name]` are plain text to the runner. */
function defuse(line) {
    const text = line.replaceAll('##[', '##\\[');
    return /^\s*::/.test(text) ? text.replace(/^(\s*)::/, '$1\\::') : text;
}
/** One value as one inert line: line breaks and other controls are shown escaped (`\n`, `\r`, `\u001b`). */
function printable(value) {
    return defuse(escapeControls(value));
}
/** A multi-line text with its lines kept (a lone CR counts as a line break, as for the runner), each made inert. */
function printableLines(text) {
    return text
        .split(/\r\n|\r|\n/)
        .map((line) => defuse(escapeControls(line)))
        .join('\n');
}
/** True when the runner would read no workflow command in `text` (the check the tests and the fuzz suite make). */
function isInert(text) {
    return text.split(/\r\n|\r|\n/).every((line) => !/^\s*::/.test(line) && !line.includes('##['));
}
/** core.info for text the action did not write: every line inert. */
function infoUntrusted(text) {
    core.info(printableLines(text));
}

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(73024);
;// CONCATENATED MODULE: ../../packages/action-kit/src/paths.ts
/**
 * Path and glob inputs, confined to the workspace. A pull request controls
 * what is committed (a checks file, a symlink, a manifests glob), so a path
 * input reads or writes inside GITHUB_WORKSPACE only, unless the workflow
 * says otherwise with the action's `allow-outside-workspace` input. The
 * check follows symlinks of what exists, so a committed link to /etc or
 * /proc/self/environ is refused like the path itself.
 */




/** Longer than any real path (PATH_MAX is 4096) or glob; beyond it glob libraries fail with "pattern is too long". */
const MAX_PATH_CHARS = 4096;
/** The opt-out input every action with path inputs declares. */
const OUTSIDE_WORKSPACE_INPUT = 'allow-outside-workspace';
function realOrSelf(file) {
    // The deepest existing ancestor decides (a file not written yet has none of its own).
    let current = file;
    for (;;) {
        try {
            return path.join(realpathSync(current), path.relative(current, file));
        }
        catch {
            const parent = path.dirname(current);
            if (parent === current)
                return file;
            current = parent;
        }
    }
}
function isInside(root, file) {
    const relative = external_node_path_default().relative(root, file);
    return relative === '' || (!relative.startsWith(`..${(external_node_path_default()).sep}`) && relative !== '..' && !external_node_path_default().isAbsolute(relative));
}
function outsideError(name, raw, options) {
    return new InputError(name, raw, `${options.what ?? 'a path'} inside the workspace (${options.workspace})${(options.alsoInside ?? []).map((root) => ` or ${root}`).join('')}; set ${OUTSIDE_WORKSPACE_INPUT}: true to allow paths outside it`);
}
function checkLength(name, raw, what) {
    if (raw.length > MAX_PATH_CHARS) {
        throw new errors_InputError(name, raw, `${what} of at most ${MAX_PATH_CHARS} characters (got ${raw.length})`);
    }
    if (hasControlCharacters(raw)) {
        throw new errors_InputError(name, raw, `${what} without line breaks or other control characters`);
    }
}
/** An absolute path for a path input, inside the workspace (symlinks followed) unless allowOutside. */
function parsePath(name, raw, options) {
    const value = raw.trim();
    const what = options.what ?? 'a path';
    checkLength(name, value, what);
    const resolved = path.resolve(options.workspace, value);
    if (options.allowOutside)
        return resolved;
    const real = realOrSelf(resolved);
    const within = (root) => isInside(path.resolve(root), resolved) && isInside(realOrSelf(path.resolve(root)), real);
    if (![options.workspace, ...(options.alsoInside ?? [])].some(within))
        throw outsideError(name, value, options);
    return resolved;
}
/**
 * A glob pattern (a leading `!` excludes) for a glob input: relative to the
 * workspace and without `..` segments unless allowOutside, so `/**\/*.x` or
 * `../../**` cannot walk the whole file system.
 */
function parseGlob(name, raw, options) {
    const value = raw.trim();
    const what = options.what ?? 'a glob pattern';
    checkLength(name, value, what);
    if (options.allowOutside)
        return value;
    const pattern = value.replace(/^!/, '');
    const workspace = external_node_path_default().resolve(options.workspace);
    let inside = !pattern.split(/[\\/]/).includes('..') && !/^[a-z]:/i.test(pattern);
    if (inside && external_node_path_default().isAbsolute(pattern)) {
        // The fixed part before the first wildcard must be a directory inside the workspace.
        const wildcard = pattern.search(/[*?[{]/);
        const fixed = wildcard < 0 ? pattern : pattern.slice(0, wildcard);
        inside = isInside(workspace, external_node_path_default().resolve(fixed.endsWith('/') ? fixed : external_node_path_default().dirname(fixed)));
    }
    if (!inside) {
        throw new errors_InputError(name, value, `${what} relative to the workspace (${options.workspace}), without .. segments; set ${OUTSIDE_WORKSPACE_INPUT}: true to allow patterns outside it`);
    }
    return value;
}

// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __webpack_require__(31421);
;// CONCATENATED MODULE: ../../packages/action-kit/src/exec.ts
/**
 * Runs a program with an argument array. There is deliberately no way to pass
 * a command line string: no input ever reaches a shell. A run can be bounded
 * (`timeoutMs`): a scanner that waits on a registry that never answers is
 * stopped (SIGTERM, then SIGKILL) and the call throws ExecTimeoutError.
 */





/** A program that did not finish within its time. */
class ExecTimeoutError extends errors_ActionError {
    name = 'ExecTimeoutError';
    timeoutMs;
    constructor(command, timeoutMs) {
        super(`${command} did not finish within ${formatDuration(timeoutMs)} and was stopped`);
        this.timeoutMs = timeoutMs;
    }
}
/** How long a program gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 2000;
const execArgs = (command, args, options = {}) => {
    if (!Array.isArray(args))
        throw new TypeError('execArgs takes its arguments as an array');
    if (command.trim() === '')
        throw new TypeError('execArgs needs a program to run');
    if (options.cwd !== undefined && !(0,external_node_fs_.existsSync)(options.cwd))
        return Promise.reject(new errors_ActionError(`Cannot run ${command}: its working directory ${options.cwd} does not exist`));
    if (options.echo)
        process.stdout.write(`${printableLines(['[command]', command, ...args].join(' '))}\n`);
    return new Promise((resolve, reject) => {
        const child = (0,external_node_child_process_.spawn)(command, args.slice(), {
            cwd: options.cwd,
            env: options.env ?? process.env,
            stdio: ['pipe', 'pipe', 'pipe'],
            windowsHide: true,
        });
        let stdout = '';
        let stderr = '';
        let timedOut = false;
        const echo = (chunk) => {
            if (options.echo)
                process.stdout.write(`${printableLines(chunk.replace(/\r?\n$/, ''))}\n`);
        };
        child.stdout.setEncoding('utf8').on('data', (chunk) => {
            stdout += chunk;
            echo(chunk);
        });
        child.stderr.setEncoding('utf8').on('data', (chunk) => {
            stderr += chunk;
            echo(chunk);
        });
        child.stdin.on('error', () => undefined); // a program that exits without reading its input
        child.stdin.end(options.input ?? '');
        let killer;
        const timer = options.timeoutMs === undefined
            ? undefined
            : setTimeout(() => {
                timedOut = true;
                child.kill('SIGTERM');
                killer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
            }, options.timeoutMs);
        const done = () => {
            clearTimeout(timer);
            clearTimeout(killer);
        };
        child.on('error', (error) => {
            done();
            reject(error.code === 'ENOENT'
                ? new errors_ActionError(`Unable to locate executable file: ${command} (not found on PATH or not executable)`)
                : error);
        });
        child.on('close', (code, signal) => {
            done();
            if (timedOut)
                reject(new ExecTimeoutError(command, options.timeoutMs));
            else
                resolve({ exitCode: code ?? (signal ? 128 + signalNumber(signal) : 1), stdout, stderr });
        });
    });
};
const SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGSEGV: 11, SIGTERM: 15 };
const signalNumber = (signal) => SIGNALS[signal] ?? 0;

;// CONCATENATED MODULE: ../../packages/action-kit/src/retry.ts
/** Retrying would take longer than the budget allows: `cause` is the last failure. */
class RetryBudgetError extends Error {
    name = 'RetryBudgetError';
    cause;
    delayMs;
    remainingMs;
    constructor(cause, delayMs, remainingMs) {
        super(`a retry would wait ${Math.ceil(delayMs / 1000)} s but only ${Math.max(0, Math.floor(remainingMs / 1000))} s of the time limit are left`);
        this.cause = cause;
        this.delayMs = delayMs;
        this.remainingMs = remainingMs;
    }
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
function backoffDelay(attempt, options = {}, random = Math.random) {
    const { initialDelayMs = 500, maxDelayMs = 10_000, factor = 2 } = options;
    const ceiling = Math.min(maxDelayMs, initialDelayMs * factor ** (attempt - 1));
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
/** `operation` gets its attempt number and the time left of the budget (Infinity without one). */
async function retry(operation, options = {}) {
    const attempts = Math.max(1, options.attempts ?? 3);
    const wait = options.sleep ?? sleep;
    const now = options.now ?? (() => performance.now());
    const deadline = options.budgetMs === undefined ? Infinity : now() + options.budgetMs;
    for (let attempt = 1;; attempt++) {
        try {
            return await operation(attempt, deadline - now());
        }
        catch (error) {
            if (attempt >= attempts || (options.shouldRetry && !options.shouldRetry(error, attempt)))
                throw error;
            const delay = options.delayFor?.(error, attempt) ?? backoffDelay(attempt, options, options.random);
            const remaining = deadline - now();
            if (delay >= remaining)
                throw new RetryBudgetError(error, delay, remaining);
            options.onRetry?.(error, attempt, delay);
            await wait(delay);
        }
    }
}

;// CONCATENATED MODULE: ../../packages/action-kit/src/summary.ts
/**
 * Job summary helpers. A summary is a courtesy: writing it must never fail the
 * step, so every write goes through writeSummary, which turns problems into a
 * warning.
 */





function markdownTable(headers, rows) {
    const head = `| ${headers.map(cell).join(' | ')} |`;
    const rule = `| ${headers.map(() => '---').join(' | ')} |`;
    const body = rows.map((row) => `| ${headers.map((_, i) => cell(row[i])).join(' | ')} |`);
    return [head, rule, ...body].join('\n');
}
function mermaid(diagram) {
    return `\`\`\`mermaid\n${diagram.trim()}\n\`\`\``;
}
/** Appends Markdown to the job summary, redacted; returns false (with a warning) instead of throwing. */
async function writeSummary(markdown) {
    try {
        const text = redaction_redact(typeof markdown === 'function' ? markdown() : markdown);
        if (!process.env['GITHUB_STEP_SUMMARY']) {
            lib_core/* info */.pq('No GITHUB_STEP_SUMMARY file: the job summary is skipped.');
            return false;
        }
        await lib_core/* summary */.z.addRaw(text, true).write();
        return true;
    }
    catch (error) {
        lib_core/* summary */.z.emptyBuffer();
        lib_core/* warning */.$e(`Could not write the job summary: ${describeError(error)}`);
        return false;
    }
}

;// CONCATENATED MODULE: ../../packages/action-kit/src/run.ts
/**
 * The one entry point wrapper: every action's index.ts calls run(main).
 * Whatever main throws becomes a single setFailed with a readable message;
 * nothing is left as an unhandled rejection.
 */



const defaultDependencies = {
    setFailed: (message) => lib_core/* setFailed */.C1(message),
    debug: (message) => lib_core/* debug */.Yz(message),
};
async function run(main, dependencies = defaultDependencies) {
    try {
        await main();
    }
    catch (error) {
        // The failure message is the one text every reader sees: it goes through the one redaction too.
        if (error instanceof Error && error.stack)
            dependencies.debug(redaction_redact(error.stack));
        dependencies.setFailed(redaction_redact(describeError(error)));
    }
}
/** Runs `body` inside a collapsible log group named after the phase. */
async function phase(name, body) {
    return lib_core/* group */.Os(name, body);
}

;// CONCATENATED MODULE: ../../packages/action-kit/src/record.ts
/** The one guard for "a plain key/value object" in parsed JSON or YAML: not null, not an array. */
function record_isRecord(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

;// CONCATENATED MODULE: ../../packages/action-kit/src/url.ts
/**
 * The one parser for http(s) URL inputs. A URL may carry credentials
 * (`https://user:token@host/`): they are either refused or registered as
 * secrets, and every text this module produces shows them as `***`, so a
 * URL with credentials never reaches a log line, summary or error unmasked.
 */





const ACCEPTED = 'an absolute http:// or https:// URL';
/** The same for one value that is meant to be a URL: there a space does not end it (URL parsing encodes it). */
const VALUE_USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#\\]*@/i;
/** A URL for display: its href with any credentials shown as `***`. */
function displayUrl(url) {
    if (typeof url === 'string')
        return redactUrlCredentials(url);
    if (url.username === '' && url.password === '')
        return url.href;
    const copy = new URL(url.href);
    copy.username = '***';
    copy.password = '';
    return copy.href;
}
function parseHttpUrl(name, raw, options = {}) {
    const value = raw.trim();
    const shown = options.secret ? '***' : value.replace(VALUE_USERINFO, '$1***@');
    const accepted = options.accepted ?? ACCEPTED;
    // URL parsing drops tabs and line breaks silently and keeps a bad % escape: both are refused here, by name.
    if (hasControlCharacters(value))
        throw new errors_InputError(name, shown, `${accepted}, without line breaks or other control characters`);
    if (/%(?![0-9a-f]{2})/i.test(value))
        throw new errors_InputError(name, shown, `${accepted} whose percent-encoding is correct (% followed by two hex digits; write a literal % as %25)`);
    let url;
    try {
        url = new URL(value);
    }
    catch {
        throw new errors_InputError(name, shown, accepted);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
        throw new errors_InputError(name, shown, accepted);
    if (url.username === '' && url.password === '')
        return url;
    if ((options.credentials ?? 'reject') === 'reject') {
        const hint = options.credentialsHint ? ` (${options.credentialsHint})` : '';
        throw new errors_InputError(name, shown, `a URL without user:password${hint}`);
    }
    const decoded = decodeUrlPart(name, shown, credentialOf(url));
    for (const secret of [credentialOf(url), decoded])
        maskSecret(secret);
    return url;
}
/** With a password, the password is the secret; `https://token@host` puts it in the user name. */
function credentialOf(url) {
    return url.password !== '' ? url.password : url.username;
}
/** The secret in a URL's credentials as it stands in the URL and decoded, for redact(); [] without credentials. */
function urlSecrets(url) {
    const raw = credentialOf(url);
    if (raw === '')
        return [];
    try {
        return [...new Set([raw, decodeURIComponent(raw)])];
    }
    catch {
        return [raw];
    }
}
function decodeUrlPart(name, shown, part) {
    try {
        return decodeURIComponent(part);
    }
    catch {
        throw new errors_InputError(name, shown, 'a URL whose user and password are percent-encoded correctly (% followed by two hex digits; write a literal % as %25)');
    }
}

;// CONCATENATED MODULE: ../../packages/action-kit/src/plural.ts
/**
 * A count with its noun: `plural(1, 'finding')` is "1 finding", `plural(3, 'finding')`
 * "3 findings". Irregular nouns pass their plural: `plural(2, 'entry', 'entries')`.
 */
function plural_plural(count, singular, pluralForm = `${singular}s`) {
    return `${count} ${count === 1 ? singular : pluralForm}`;
}

;// CONCATENATED MODULE: ../../packages/action-kit/src/tail.ts
/**
 * The end of a program's output, for an error message: the last `lines`
 * non-blank lines (blank lines carry nothing a reader needs), each without
 * trailing white space, and at most `maxChars` characters; a cut at the front
 * is shown as "...". Empty output gives ''. Both helpers redact before they
 * cut: a secret cut in two would no longer match its mask, and its other half
 * would show.
 */

const TAIL_LINES = 10;
const TAIL_MAX_CHARS = 2000;
function tail(text, options = {}) {
    const { lines = TAIL_LINES, maxChars = TAIL_MAX_CHARS } = options;
    const kept = redaction_redact(text)
        .split(/\r?\n/)
        .map((line) => line.trimEnd())
        .filter((line) => line.trim() !== '')
        .slice(-Math.max(1, lines))
        .join('\n');
    return kept.length > maxChars ? `...${kept.slice(kept.length - maxChars)}` : kept;
}
/** The start of `text` (a server's answer) for an error message: redacted, then cut to `maxChars` with "...". */
function redactedExcerpt(text, maxChars) {
    const redacted = redact(text);
    return redacted.length > maxChars ? `${redacted.slice(0, Math.max(0, maxChars - 3))}...` : redacted;
}

;// CONCATENATED MODULE: ../../packages/action-kit/src/annotations.ts
/**
 * Annotations with one cap. GitHub shows at most 10 error, 10 warning and 10
 * notice annotations per step (and 50 per job); more are dropped without a
 * word (actions/toolkit, docs/problem-matchers.md). So each level is written
 * up to that cap, and one notice says how many were left out and where to
 * find them.
 */



const ANNOTATION_CAP = 10;
const coreSink = (level, message, properties) => core[level](message, properties);
// Annotations are shown outside the log too (the run page, the checks API): redacted like every other channel.
function redacted(properties) {
    const copy = { ...properties };
    if (copy.title !== undefined)
        copy.title = redact(copy.title);
    if (copy.file !== undefined)
        copy.file = redact(copy.file);
    return copy;
}
/** Writes the items in order, at most `cap` of each level; returns how many were left out. */
function writeAnnotations(items, options) {
    const { cap = ANNOTATION_CAP, sink = coreSink } = options;
    const written = { error: 0, warning: 0, notice: 0 };
    let left = 0;
    for (const item of items) {
        if (written[item.level] >= cap) {
            left++;
            continue;
        }
        written[item.level]++;
        sink(item.level, redact(item.message), redacted(item.properties ?? {}));
    }
    if (left > 0)
        sink('notice', `${plural(left, 'more annotation')} not shown (GitHub shows ${cap} of each level per step); see ${options.seeAlso}.`, {});
    return left;
}

;// CONCATENATED MODULE: ../../packages/action-kit/src/map-limit.ts
/**
 * Runs `fn` over `items` with at most `limit` calls in flight and returns the
 * results in the order of the items. The first rejection rejects the whole
 * call; calls already started are not cancelled, and no new ones start.
 */
async function mapLimit(items, limit, fn) {
    if (!Number.isInteger(limit) || limit < 1)
        throw new RangeError(`mapLimit: limit must be a whole number of at least 1, got ${limit}`);
    const results = new Array(items.length);
    let next = 0;
    let failed = false;
    const worker = async () => {
        while (!failed && next < items.length) {
            const index = next++;
            try {
                results[index] = await fn(items[index], index);
            }
            catch (error) {
                failed = true;
                throw error;
            }
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return results;
}

;// CONCATENATED MODULE: ../../packages/action-kit/src/headers.ts
/**
 * HTTP header names are RFC 9110 tokens: letters, digits and
 * !#$%&'*+-.^_`|~ ; no spaces, colons or other separators.
 */

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_NAME_ACCEPTED = "a header name of letters, digits and !#$%&'*+-.^_`|~ (no spaces or colons)";
function isHeaderName(name) {
    return TOKEN.test(name);
}
/**
 * The longest header value accepted. Servers refuse longer header lines (8 KiB
 * is a common limit, Node's whole header block is 16 KiB), and the refusal
 * (431, a reset) would look like the service failing rather than the input.
 */
const MAX_HEADER_VALUE_CHARS = 8192;
/** What the header-value checks accept, for an InputError. */
const HEADER_VALUE_ACCEPTED = `header values of printable ASCII on one line, at most ${MAX_HEADER_VALUE_CHARS} characters`;
/**
 * Why `value` cannot be sent as a header value, or undefined when it can.
 * fetch refuses a character past U+00FF as a TypeError ("Cannot convert
 * argument to a ByteString") and a line break outright; a lone CR would also
 * split a masked secret. So only printable ASCII (and tabs) is accepted.
 */
function headerValueProblem(value) {
    if (value.length > MAX_HEADER_VALUE_CHARS)
        return `is ${value.length} characters long (at most ${MAX_HEADER_VALUE_CHARS})`;
    if (hasControlCharacters(value))
        return 'holds a line break or another control character';
    if (!/^[\t\x20-\x7e]*$/.test(value))
        return 'holds a character outside printable ASCII';
    return undefined;
}

// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(48161);
;// CONCATENATED MODULE: ../../packages/action-kit/src/context.ts
/**
 * Everything an action reads from the runner's GITHUB_* and RUNNER_*
 * variables, read in one place with one rule each. Pure over the environment
 * it is given; an empty variable counts as unset.
 */


const encodePath = (value) => value.split('/').map(encodeURIComponent).join('/');
function runContext(env = process.env, cwd = process.cwd()) {
    const value = (name) => {
        const v = env[name]?.trim();
        return v ? v : undefined;
    };
    const serverUrl = (value('GITHUB_SERVER_URL') ?? 'https://github.com').replace(/\/+$/, '');
    const context = {
        workspace: external_node_path_default().resolve(cwd, value('GITHUB_WORKSPACE') ?? '.'),
        runnerTemp: external_node_path_default().resolve(cwd, value('RUNNER_TEMP') ?? (0,external_node_os_.tmpdir)()),
        serverUrl,
    };
    const set = (key, v) => {
        if (v !== undefined)
            context[key] = v;
    };
    const repository = value('GITHUB_REPOSITORY');
    const ref = value('GITHUB_REF');
    set('repository', repository);
    set('repositoryUrl', repository && `${serverUrl}/${encodePath(repository)}`);
    set('sha', value('GITHUB_SHA'));
    set('ref', ref);
    set('branch', value('GITHUB_HEAD_REF') ?? value('GITHUB_REF_NAME') ?? ref?.replace(/^refs\/(heads|tags)\//, ''));
    set('baseRef', value('GITHUB_BASE_REF'));
    const runId = value('GITHUB_RUN_ID');
    const attempt = value('GITHUB_RUN_ATTEMPT');
    set('runId', runId);
    set('runAttempt', attempt && /^[1-9]\d*$/.test(attempt) ? Number(attempt) : undefined);
    if (runId && context.repositoryUrl) {
        const run = `${context.repositoryUrl}/actions/runs/${encodeURIComponent(runId)}`;
        context.runUrl = context.runAttempt === undefined ? run : `${run}/attempts/${context.runAttempt}`;
    }
    set('actor', value('GITHUB_ACTOR'));
    set('workflow', value('GITHUB_WORKFLOW'));
    set('job', value('GITHUB_JOB'));
    set('eventName', value('GITHUB_EVENT_NAME'));
    set('runnerOs', value('RUNNER_OS'));
    return context;
}

// EXTERNAL MODULE: external "node:net"
var external_node_net_ = __webpack_require__(77030);
;// CONCATENATED MODULE: ../../packages/action-kit/src/loopback.ts
/** Helpers for tests and local runs that start real services on loopback (no test framework here: the pipeline runner uses them too). */

/** A TCP port that was free on 127.0.0.1 a moment ago (the kernel picks it). */
async function freePort() {
    return new Promise((resolve, reject) => {
        const server = createServer();
        server.unref();
        server.on('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const address = server.address();
            const port = typeof address === 'object' && address ? address.port : 0;
            server.close(() => resolve(port));
        });
    });
}
/** Parses a `KEY=value` env file such as the one tools/services/services.sh writes (`#` lines are comments). */
function parseEnvFile(text) {
    const env = {};
    for (const line of text.split(/\r?\n/)) {
        const eq = line.indexOf('=');
        if (eq > 0 && !line.trimStart().startsWith('#'))
            env[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
    }
    return env;
}

;// CONCATENATED MODULE: ../../packages/action-kit/src/index.ts




















;// CONCATENATED MODULE: ./src/report.ts
/**
 * What a deploy reports: per object, per phase, and overall. The outputs and
 * the job summary are written from it, also when the deploy failed.
 */

function emptyReport(dryRun) {
    return {
        status: 'failed',
        dryRun,
        revision: '',
        previousRevision: '',
        backupFile: '',
        resources: [],
        diffs: [],
        timeline: [],
        phases: [],
        failingPods: [],
        workloadEvents: [],
        unmatchedImageRules: [],
        skipped: [],
    };
}
/** A failed deploy: carries the report so that outputs and the summary can still be written. */
class DeployError extends errors_ActionError {
    report;
    name = 'DeployError';
    constructor(message, report) {
        super(message);
        this.report = report;
    }
}
/** Records the failure in the report and throws it. */
function fail(report, message) {
    report.failure = message;
    throw new DeployError(message, report);
}
class ValidationError extends errors_ActionError {
    problems;
    name = 'ValidationError';
    constructor(problems) {
        super(`Validation failed for ${plural_plural(problems.length, 'object')}; nothing was applied:\n` +
            problems.map((p) => `  ${p.file} (document ${p.document}) ${p.object}: ${p.message}`).join('\n'));
        this.problems = problems;
    }
}

;// CONCATENATED MODULE: ./src/records.ts
/**
 * Reading the loose shapes of parsed YAML/JSON (Kubernetes status fields,
 * kubeconfigs) without casts. The record guard itself is the kit's isRecord.
 */

/** The value if it is a record, else an empty one (for optional nested fields). */
function recordOf(value) {
    return record_isRecord(value) ? value : {};
}
/** A primitive as text; '' for objects, arrays, null and undefined. */
function str(value) {
    return typeof value === 'string'
        ? value
        : typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint'
            ? String(value)
            : '';
}
/** A finite number, else 0 (replica counts and generations that are absent mean 0). */
function num(value) {
    return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
/** The value if it is an array, else an empty one. */
function arrayOf(value) {
    return Array.isArray(value) ? value : [];
}

;// CONCATENATED MODULE: ./src/rollout.ts
/**
 * Rollout evaluation from object status alone (what `kubectl rollout status`
 * decides) and pod failure signals. Pure functions: the watcher feeds them
 * objects from the watch API and keeps the clock.
 */

function conditions(status) {
    return arrayOf(status['conditions']);
}
/** Decides whether a Deployment, StatefulSet or DaemonSet has finished rolling out its current generation. */
function evaluateWorkload(object) {
    const spec = recordOf(object['spec']);
    const status = recordOf(object['status']);
    const generation = num(object.metadata['generation']);
    const observed = num(status['observedGeneration']);
    if (generation > observed) {
        return {
            phase: 'waiting',
            message: `waiting for the controller to observe generation ${generation} (observed ${observed})`,
        };
    }
    switch (object.kind) {
        case 'Deployment':
            return evaluateDeployment(spec, status);
        case 'StatefulSet':
            return evaluateStatefulSet(spec, status);
        case 'DaemonSet':
            return evaluateDaemonSet(spec, status);
        default:
            return { phase: 'complete', message: `${object.kind} has no rollout` };
    }
}
function evaluateDeployment(spec, status) {
    const progressing = conditions(status).find((c) => c.type === 'Progressing');
    if (progressing?.reason === 'ProgressDeadlineExceeded') {
        return {
            phase: 'failed',
            reason: 'ProgressDeadlineExceeded',
            message: progressing.message ?? 'the rollout exceeded its progress deadline',
        };
    }
    const desired = spec['replicas'] === undefined ? 1 : num(spec['replicas']);
    const updated = num(status['updatedReplicas']);
    const total = num(status['replicas']);
    const available = num(status['availableReplicas']);
    if (updated < desired)
        return { phase: 'waiting', message: `${updated} of ${desired} new replicas have been updated` };
    if (total > updated)
        return { phase: 'waiting', message: `${total - updated} old replicas are pending termination` };
    if (available < updated)
        return { phase: 'waiting', message: `${available} of ${updated} updated replicas are available` };
    return { phase: 'complete', message: `${updated} of ${desired} replicas updated and available` };
}
function evaluateStatefulSet(spec, status) {
    const strategy = recordOf(spec['updateStrategy']);
    if (strategy['type'] === 'OnDelete')
        return { phase: 'complete', message: 'OnDelete update strategy: pods are replaced when deleted' };
    const desired = spec['replicas'] === undefined ? 1 : num(spec['replicas']);
    const ready = num(status['readyReplicas']);
    if (ready < desired)
        return { phase: 'waiting', message: `${ready} of ${desired} pods are ready` };
    const partition = num(recordOf(strategy['rollingUpdate'])['partition']);
    const updated = num(status['updatedReplicas']);
    if (partition > 0) {
        if (updated < desired - partition)
            return { phase: 'waiting', message: `${updated} of ${desired - partition} pods above the partition are updated` };
        return { phase: 'complete', message: `partitioned rollout: ${updated} pods updated` };
    }
    if (status['updateRevision'] !== status['currentRevision']) {
        return {
            phase: 'waiting',
            message: `${updated} of ${desired} pods are at revision ${str(status['updateRevision']) || '?'}`,
        };
    }
    return {
        phase: 'complete',
        message: `${ready} of ${desired} pods ready at revision ${str(status['currentRevision']) || '?'}`,
    };
}
function evaluateDaemonSet(spec, status) {
    const strategy = recordOf(spec['updateStrategy']);
    if (strategy['type'] === 'OnDelete')
        return { phase: 'complete', message: 'OnDelete update strategy: pods are replaced when deleted' };
    const desired = num(status['desiredNumberScheduled']);
    const updated = num(status['updatedNumberScheduled']);
    const available = num(status['numberAvailable']);
    if (updated < desired)
        return { phase: 'waiting', message: `${updated} of ${desired} updated pods are scheduled` };
    if (available < desired)
        return { phase: 'waiting', message: `${available} of ${desired} updated pods are available` };
    return { phase: 'complete', message: `${available} of ${desired} pods updated and available` };
}
/** The revision of a workload as users know it. */
function workloadRevision(object) {
    if (!object)
        return '';
    if (object.kind === 'Deployment')
        return object.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? '';
    const status = recordOf(object['status']);
    if (object.kind === 'StatefulSet')
        return str(status['updateRevision']) || str(status['currentRevision']);
    if (object.kind === 'DaemonSet')
        return str(object.metadata['generation']);
    return '';
}
/** Waiting reasons that do not heal by themselves. */
const FATAL_WAITING = new Set([
    'CrashLoopBackOff',
    'ErrImagePull',
    'ImagePullBackOff',
    'InvalidImageName',
    'ErrImageNeverPull',
    'CreateContainerConfigError',
    'CreateContainerError',
    'RunContainerError',
    'PreCreateHookError',
    'PostStartHookError',
]);
/** The most serious failure signal of a pod, or undefined when it looks healthy or just starting. */
function podSignal(pod) {
    if (pod.metadata['deletionTimestamp'])
        return undefined;
    const status = recordOf(pod['status']);
    const spec = recordOf(pod['spec']);
    if (status['phase'] === 'Failed') {
        return {
            reason: str(status['reason']) || 'Failed',
            message: str(status['message']) || 'the pod failed',
            immediate: true,
            minimumMs: 0,
        };
    }
    const statuses = [
        ...(Array.isArray(status['initContainerStatuses']) ? status['initContainerStatuses'] : []),
        ...(Array.isArray(status['containerStatuses']) ? status['containerStatuses'] : []),
    ];
    for (const c of statuses) {
        const waiting = c.state?.waiting;
        if (waiting?.reason && FATAL_WAITING.has(waiting.reason)) {
            const last = c.lastState?.terminated;
            // A crash loop's cause is the last exit (OOMKilled, Error), not the back-off itself.
            const cause = last ? ` (last exit: ${last.reason ?? 'Error'}, code ${last.exitCode ?? '?'})` : '';
            return {
                reason: waiting.reason,
                message: `${waiting.message ?? waiting.reason}${cause}`,
                ...(c.name ? { container: c.name } : {}),
                immediate: true,
                minimumMs: 0,
            };
        }
        const terminated = c.state?.terminated ?? c.lastState?.terminated;
        // Killed for exceeding its memory limit: it will be again, no need to wait for a crash loop.
        if (terminated?.reason === 'OOMKilled') {
            return {
                reason: 'OOMKilled',
                message: `container was killed for exceeding its memory limit (exit code ${terminated.exitCode ?? '?'}, restarted ${c.restartCount ?? 0} times)`,
                ...(c.name ? { container: c.name } : {}),
                immediate: true,
                minimumMs: 0,
            };
        }
        if (terminated && (terminated.exitCode ?? 0) !== 0 && (c.restartCount ?? 0) >= 2) {
            return {
                reason: terminated.reason ?? 'Error',
                message: `container exited with code ${terminated.exitCode ?? '?'} and restarted ${c.restartCount ?? 0} times`,
                ...(c.name ? { container: c.name } : {}),
                immediate: true,
                minimumMs: 0,
            };
        }
    }
    const podConditions = conditions(status);
    const scheduled = podConditions.find((c) => c.type === 'PodScheduled');
    if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
        return {
            reason: 'Unschedulable',
            message: scheduled.message ?? 'no node fits the pod',
            immediate: false,
            minimumMs: 0,
        };
    }
    const ready = podConditions.find((c) => c.type === 'Ready');
    const containers = (Array.isArray(status['containerStatuses']) ? status['containerStatuses'] : []);
    const allRunning = containers.length > 0 && containers.every((c) => c.state?.running !== undefined);
    if (status['phase'] === 'Running' && allRunning && ready?.status === 'False') {
        const notReady = containers.filter((c) => !c.ready).map((c) => c.name ?? '?');
        return {
            reason: 'NotReady',
            message: `containers not ready: ${notReady.join(', ') || '?'}${ready.message ? ` (${ready.message})` : ''}`,
            ...(notReady[0] ? { container: notReady[0] } : {}),
            immediate: false,
            minimumMs: readinessAllowanceMs(spec),
        };
    }
    return undefined;
}
/** How long readiness probes may legitimately keep a started container not ready. */
function readinessAllowanceMs(podSpec) {
    const containers = arrayOf(podSpec['containers']);
    let longest = 0;
    for (const c of containers) {
        let ms = 0;
        for (const field of ['startupProbe', 'readinessProbe']) {
            const probe = c[field];
            if (!probe)
                continue;
            ms += ((probe.initialDelaySeconds ?? 0) + (probe.periodSeconds ?? 10) * (probe.failureThreshold ?? 3)) * 1000;
        }
        longest = Math.max(longest, ms);
    }
    return longest;
}
/** Has a signal first seen at `firstSeenMs` become a failure by `nowMs`? */
function signalIsFailure(signal, firstSeenMs, nowMs, graceMs) {
    if (signal.immediate)
        return true;
    return nowMs - firstSeenMs >= Math.max(graceMs, signal.minimumMs);
}
/** When a non-immediate signal will count as a failure (for scheduling a re-check). */
function signalDeadline(signal, firstSeenMs, graceMs) {
    return signal.immediate ? firstSeenMs : firstSeenMs + Math.max(graceMs, signal.minimumMs);
}
/** Container restarts of a pod so far (init containers included). */
function podRestarts(pod) {
    const status = recordOf(pod['status']);
    const statuses = [
        ...arrayOf(status['initContainerStatuses']),
        ...arrayOf(status['containerStatuses']),
    ];
    return statuses.reduce((sum, c) => sum + (c.restartCount ?? 0), 0);
}
/**
 * A restart since `baseline` restarts were counted (when the rollout looked
 * complete), as a failure signal: during the settle period one crash is
 * enough, where the rollout itself waits for a crash loop.
 */
function restartSignal(pod, baseline) {
    const restarts = podRestarts(pod);
    if (restarts <= baseline)
        return undefined;
    const restarted = arrayOf(recordOf(pod['status'])['containerStatuses']).find((c) => (c.restartCount ?? 0) > 0 && c.lastState?.terminated);
    const terminated = restarted?.lastState?.terminated;
    return {
        reason: terminated?.reason === 'OOMKilled' ? 'OOMKilled' : 'RestartedAfterReady',
        message: `container ${restarted?.name ?? '?'} restarted after the rollout looked complete (exit code ${terminated?.exitCode ?? '?'}, ${terminated?.reason ?? 'unknown reason'})`,
        ...(restarted?.name ? { container: restarted.name } : {}),
        immediate: true,
        minimumMs: 0,
    };
}

;// CONCATENATED MODULE: ./src/events.ts

function eventLine(event) {
    const e = event;
    const count = e.series?.count ?? e.count;
    return `${e.type ?? 'Normal'} ${e.reason ?? ''}: ${(e.message ?? '').trim()}${count && count > 1 ? ` (x${count})` : ''}`;
}
/** Recent events about one object, newest last (at most `limit`). */
async function recentEvents(api, namespace, name, limit = 5, uid) {
    try {
        // By uid when known: a StatefulSet pod keeps its name across restarts, its events should not.
        const selector = uid ? `involvedObject.name=${name},involvedObject.uid=${uid}` : `involvedObject.name=${name}`;
        const { items } = await api.list('v1', 'Event', namespace, { fieldSelector: selector });
        const time = (e) => {
            const r = e;
            return r.lastTimestamp ?? r.eventTime ?? str(e.metadata['creationTimestamp']);
        };
        return items
            .sort((a, b) => time(a).localeCompare(time(b)))
            .slice(-limit)
            .map(eventLine);
    }
    catch {
        return [];
    }
}

;// CONCATENATED MODULE: ./src/resumable-watch.ts
/**
 * A list, then a watch from the list's resourceVersion, started again
 * whenever the watch ends: the server closes watches every few minutes,
 * answers 410 Gone when the resourceVersion is too old (after a restart its
 * watch cache starts afresh), and refuses connections while it restarts. A
 * fresh list is the only safe place to resume from in every case, so each
 * resume re-lists. While the API server is unreachable the attempts back off
 * (up to 2 s apart, so it is noticed soon after it is back), for no longer
 * than the caller's time is left; the first failure and the resume are
 * logged, the resume with how long nothing could be seen.
 */

/** A sleep whose timer does not keep the process alive (the watch may be abandoned mid-wait). */
const unrefSleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref());
const message = (error) => (error instanceof Error ? error.message : String(error));
/** The Status an ERROR event carries (410 Gone when the resourceVersion is too old). */
function statusText(object) {
    const status = object;
    return `${status?.code ?? '?'} ${status?.reason ?? ''}${status?.message ? `: ${status.message}` : ''}`.trim();
}
class ResumableWatch {
    o;
    stopped = false;
    handle;
    /** When the last watch ended, whether it ended in an error, and the failed attempts to get back since. */
    endedAt;
    broken = false;
    failures = 0;
    constructor(o) {
        this.o = o;
    }
    start() {
        void this.follow();
    }
    stop() {
        this.stopped = true;
        this.handle?.stop();
    }
    /** listAndWatch until it succeeds, backing off, while time is left and nobody stopped it. */
    async follow() {
        if (this.stopped)
            return;
        await retry(() => this.listAndWatch(), {
            attempts: Number.POSITIVE_INFINITY,
            initialDelayMs: this.o.initialDelayMs ?? 250,
            factor: 2,
            maxDelayMs: this.o.maxDelayMs ?? 2000,
            budgetMs: Math.max(0, this.o.remainingMs()),
            shouldRetry: () => !this.stopped,
            onRetry: (error, _attempt, delayMs) => this.failed(error, delayMs),
            sleep: this.o.sleep ?? unrefSleep,
            now: this.o.clock,
        }).catch(() => undefined); // stopped, or out of time: the caller's own timeout reports that
    }
    failed(error, delayMs) {
        this.endedAt ??= this.o.clock();
        if (this.failures++ === 0)
            this.o.log(`watch of ${this.o.what} lost (${message(error)}); re-listing with backoff (next in ${Math.round(delayMs)} ms, then doubling up to ${(this.o.maxDelayMs ?? 2000) / 1000} s) for as long as the timeout leaves (${Math.round(this.o.remainingMs() / 1000)} s)`);
    }
    async listAndWatch() {
        const { api, apiVersion, kind, namespace, selector } = this.o;
        // This loop does the retrying (and tells how long it was blind): the client must not retry the list itself.
        const list = await api.list(apiVersion, kind, namespace, { ...selector, failFast: true });
        await this.o.onList(list.items);
        this.resumed();
        if (this.stopped)
            return;
        let ended = false;
        const end = (why) => {
            if (ended || this.stopped)
                return;
            ended = true;
            this.handle?.stop();
            this.endedAt = this.o.clock();
            this.broken = why !== undefined;
            if (why)
                this.o.log(`watch of ${this.o.what} ended (${why}); re-listing`);
            void this.follow();
        };
        const handle = await api.watch(apiVersion, kind, namespace, { ...selector, resourceVersion: list.resourceVersion }, (type, object) => {
            if (ended || this.stopped || type === 'BOOKMARK')
                return;
            // 410 Gone and the like: the server ends the watch after it; resume from a fresh list at once.
            if (type === 'ERROR')
                end(`the server sent ${statusText(object)}`);
            else
                this.o.onEvent(type, object);
        }, (error) => end(error === undefined ? undefined : message(error)));
        this.handle = handle;
        if (this.stopped || ended)
            handle.stop();
    }
    /**
     * A list worked: after a watch that broke, or attempts that failed, say how
     * long nothing was seen (a restarting server may also accept the list and
     * answer it only once it serves again).
     */
    resumed() {
        const since = this.endedAt;
        const failures = this.failures;
        const broken = this.broken;
        this.endedAt = undefined;
        this.failures = 0;
        this.broken = false;
        if (since === undefined || (failures === 0 && !broken))
            return;
        const blind = this.o.clock() - since;
        this.o.onResumed?.(blind);
        this.o.log(`watch of ${this.o.what} resumed after ${(blind / 1000).toFixed(1)} s without events (${failures} failed attempt(s)); re-listed, watching from the fresh resourceVersion`);
    }
}

;// CONCATENATED MODULE: ./src/selectors.ts
/** Label selectors of workloads as the list and watch APIs take them. */

/** `matchLabels` + `matchExpressions` as a label selector string. */
function selectorString(selector) {
    if (!record_isRecord(selector))
        return '';
    const parts = [];
    if (record_isRecord(selector['matchLabels'])) {
        for (const [k, v] of Object.entries(selector['matchLabels']))
            parts.push(`${k}=${String(v)}`);
    }
    if (Array.isArray(selector['matchExpressions'])) {
        for (const e of selector['matchExpressions']) {
            const values = (e.values ?? []).join(',');
            if (e.operator === 'In')
                parts.push(`${e.key} in (${values})`);
            else if (e.operator === 'NotIn')
                parts.push(`${e.key} notin (${values})`);
            else if (e.operator === 'Exists')
                parts.push(`${e.key ?? ''}`);
            else if (e.operator === 'DoesNotExist')
                parts.push(`!${e.key ?? ''}`);
        }
    }
    return parts.join(',');
}

;// CONCATENATED MODULE: ./src/rollout-watch.ts
/**
 * One workload's rollout, followed with the watch API: the workload itself
 * and the pods of its new revision. Decides with the pure functions in
 * rollout.ts; keeps the clock and the first time each pod signal was seen,
 * so that "unschedulable for longer than the grace period" is measured here,
 * not from timestamps written by another machine.
 */






/** The pod key of the workload's current revision, or `known` when it cannot tell yet. */
async function currentPodKey(api, workload, podSelector, known) {
    const status = record_isRecord(workload['status']) ? workload['status'] : {};
    const kind = workload.kind;
    // Until the controller has observed the new generation, revision fields still describe the old one.
    const generation = typeof workload.metadata['generation'] === 'number' ? workload.metadata['generation'] : 0;
    if (kind !== 'DaemonSet' &&
        (typeof status['observedGeneration'] === 'number' ? status['observedGeneration'] : 0) < generation)
        return known;
    if (kind === 'StatefulSet' && typeof status['updateRevision'] === 'string')
        return { label: 'controller-revision-hash', value: status['updateRevision'] };
    if (kind === 'DaemonSet' && workload.metadata['generation'] !== undefined)
        return { label: 'pod-template-generation', value: str(workload.metadata['generation']) };
    if (kind !== 'Deployment')
        return known;
    const revision = workloadRevision(workload);
    if (!revision || revision === known?.revision)
        return known;
    const uid = workload.metadata['uid'];
    const { items } = await api.list('apps/v1', 'ReplicaSet', workload.metadata.namespace, {
        labelSelector: podSelector,
    });
    const owned = items.filter((rs) => Array.isArray(rs.metadata['ownerReferences']) &&
        rs.metadata['ownerReferences'].some((o) => o.uid === uid));
    const hash = owned.find((r) => r.metadata.annotations?.['deployment.kubernetes.io/revision'] === revision)?.metadata
        .labels?.['pod-template-hash'];
    return hash ? { label: 'pod-template-hash', value: hash, revision } : known;
}
class RolloutWatch {
    options;
    api;
    clock;
    log;
    timeline;
    namespace;
    name;
    kind;
    podSelector;
    started;
    current;
    pods = new Map();
    firstSeen = new Map();
    seenPods = new Set();
    firstSignalAt;
    podKey;
    lastMessage = '';
    /** Settle period: when it ends, and each new pod's restarts when the rollout first looked complete. */
    settleUntil;
    restartsAtComplete = new Map();
    settled = false;
    /** A failure is being reported (events are being fetched): no further evaluation. */
    stopping = false;
    watches = [];
    recheck;
    overall;
    resolve = () => undefined;
    onAbort = () => void this.failWith('stopped', `${this.label}: stopped waiting because another workload failed (${this.lastMessage})`, 'Stopped', []);
    constructor(options) {
        this.options = options;
        const { workload } = options;
        this.api = options.api;
        this.clock = options.clock ?? Date.now;
        this.log = options.log ?? (() => undefined);
        this.timeline = options.timeline ?? (() => undefined);
        this.namespace = workload.metadata.namespace;
        this.name = workload.metadata.name;
        this.kind = workload.kind;
        this.podSelector = selectorString(record_isRecord(workload['spec']) ? workload['spec']['selector'] : undefined);
        this.started = this.clock();
        this.current = workload;
    }
    get label() {
        return `${this.kind}/${this.name}`;
    }
    run() {
        return new Promise((resolve) => {
            this.resolve = resolve;
            const { timeoutMs, signal } = this.options;
            this.overall = setTimeout(() => this.timedOut(), Math.max(0, timeoutMs - (this.clock() - this.started)));
            if (signal?.aborted)
                this.onAbort();
            signal?.addEventListener('abort', this.onAbort, { once: true });
            this.timeline({ at: this.clock(), text: `watching ${this.label}` });
            for (const which of ['workload', 'pods']) {
                const watch = this.resumable(which);
                this.watches.push(watch);
                watch.start();
            }
        });
    }
    finish(result) {
        if (this.settled)
            return;
        this.settled = true;
        this.options.signal?.removeEventListener('abort', this.onAbort);
        clearTimeout(this.recheck);
        clearTimeout(this.overall);
        for (const w of this.watches)
            w.stop();
        this.resolve({
            workloadEvents: [],
            ...result,
            final: this.current,
            revision: workloadRevision(this.current),
            ...(this.firstSignalAt === undefined ? {} : { firstSignalAt: this.firstSignalAt }),
            ...(result.outcome === 'complete' ? {} : { detectedAt: this.clock() }),
        });
    }
    async failWith(outcome, message, reason, failing) {
        if (this.settled || this.stopping)
            return;
        this.stopping = true;
        const reports = [];
        for (const { pod, signal } of failing.slice(0, 5)) {
            const events = await recentEvents(this.api, this.namespace, pod, 5, str(this.pods.get(pod)?.metadata['uid']) || undefined);
            reports.push({
                pod,
                reason: signal.reason,
                message: signal.message,
                ...(signal.container ? { container: signal.container } : {}),
                events,
            });
        }
        const workloadEvents = await recentEvents(this.api, this.namespace, this.name);
        this.finish({ outcome, message, ...(reason ? { reason } : {}), failingPods: reports, workloadEvents });
    }
    timedOut() {
        const failing = [];
        for (const [pod, object] of this.pods) {
            const signal = this.isNewPod(object) ? podSignal(object) : undefined;
            if (signal)
                failing.push({ pod, signal });
        }
        const within = Math.round(this.options.timeoutMs / 1000);
        void this.failWith('timeout', `${this.label} did not finish rolling out within ${within} s: ${this.lastMessage}`, 'Timeout', failing);
    }
    isNewPod(pod) {
        return this.podKey !== undefined && pod.metadata.labels?.[this.podKey.label] === this.podKey.value;
    }
    async refreshPodKey() {
        if (this.current)
            this.podKey = await currentPodKey(this.api, this.current, this.podSelector, this.podKey);
    }
    /** Pod signals of the new revision, first sightings logged; the failing ones and when the next one would count. */
    podFailures(now) {
        const failing = [];
        let nextDeadline = Infinity;
        for (const [pod, object] of this.pods) {
            if (!this.isNewPod(object))
                continue;
            if (!this.seenPods.has(pod)) {
                this.seenPods.add(pod);
                this.timeline({ at: now, text: `pod ${pod} created` });
            }
            // In the settle period a restart is the clearest signal (a crashed container is also NotReady).
            const signal = (this.settleUntil === undefined ? undefined : restartSignal(object, this.restartsAtComplete.get(pod) ?? 0)) ??
                podSignal(object);
            const key = `${pod}|${signal?.reason ?? ''}`;
            // A signal that went away starts its grace period afresh when it comes back (ready, then not ready).
            for (const seen of this.firstSeen.keys())
                if (seen.startsWith(`${pod}|`) && seen !== key)
                    this.firstSeen.delete(seen);
            if (!signal)
                continue;
            if (!this.firstSeen.has(key)) {
                this.firstSeen.set(key, now);
                this.firstSignalAt ??= now;
                this.timeline({ at: now, text: `pod ${pod}: ${signal.reason}` });
                this.log(`pod ${pod}: ${signal.reason}: ${signal.message}`);
            }
            const since = this.firstSeen.get(key);
            if (signalIsFailure(signal, since, now, this.options.graceMs))
                failing.push({ pod, signal });
            else
                nextDeadline = Math.min(nextDeadline, signalDeadline(signal, since, this.options.graceMs));
        }
        return { failing, nextDeadline };
    }
    evaluate() {
        if (this.settled || this.stopping || !this.current)
            return;
        const state = evaluateWorkload(this.current);
        if (state.message !== this.lastMessage) {
            this.lastMessage = state.message;
            this.log(`${this.label}: ${state.message}`);
        }
        const now = this.clock();
        if (state.phase === 'complete' && !this.settling(now, state.message)) {
            this.timeline({ at: now, text: `${this.label} rollout complete` });
            this.finish({ outcome: 'complete', message: state.message, failingPods: [] });
            return;
        }
        const { failing, nextDeadline: signalDeadlineAt } = this.podFailures(now);
        const nextDeadline = Math.min(signalDeadlineAt, this.settleUntil !== undefined && this.settleUntil > now ? this.settleUntil : Infinity);
        if (state.phase === 'failed') {
            this.timeline({ at: now, text: `${this.label}: ${state.reason ?? 'failed'}` });
            void this.failWith('failed', state.message, state.reason, failing);
            return;
        }
        const first = failing[0];
        if (first) {
            this.timeline({ at: now, text: `failure detected (${first.signal.reason})` });
            void this.failWith('failed', `${plural_plural(failing.length, 'new pod')} failing: ${first.pod} ${first.signal.reason}`, first.signal.reason, failing);
            return;
        }
        clearTimeout(this.recheck);
        if (nextDeadline !== Infinity)
            this.recheck = setTimeout(() => this.evaluate(), Math.max(0, nextDeadline - this.clock()) + 50);
    }
    /**
     * Whether a rollout that looks complete is still in its settle period (the
     * `settle` input): the new pods are watched on, and one restart fails it.
     * The period starts when the rollout first looks complete.
     */
    settling(now, message) {
        const settleMs = this.options.settleMs ?? 0;
        if (settleMs <= 0)
            return false;
        if (this.settleUntil === undefined) {
            this.settleUntil = now + settleMs;
            for (const [pod, object] of this.pods)
                if (this.isNewPod(object))
                    this.restartsAtComplete.set(pod, podRestarts(object));
            this.timeline({ at: now, text: `${this.label}: ${message}; settling for ${Math.round(settleMs / 1000)} s` });
            this.log(`${this.label}: ${message}; watching the new pods for ${Math.round(settleMs / 1000)} s more (settle)`);
        }
        return now < this.settleUntil;
    }
    deleted() {
        void this.failWith('failed', `${this.label} was deleted while rolling out`, 'Deleted', []);
    }
    onEvent(which, type, object) {
        if (this.settled)
            return;
        if (which === 'pods') {
            if (type === 'DELETED')
                this.pods.delete(object.metadata.name);
            else
                this.pods.set(object.metadata.name, object);
            this.evaluate();
            return;
        }
        this.current = type === 'DELETED' ? undefined : object;
        if (!this.current)
            return this.deleted();
        this.refreshPodKey().then(() => this.evaluate(), (error) => this.log(`could not list ReplicaSets: ${String(error)}`));
    }
    /** The workload (by name) or its pods (by selector), each listed then watched, resumed whenever the watch ends. */
    resumable(which) {
        const workload = which === 'workload';
        return new ResumableWatch({
            api: this.api,
            apiVersion: workload ? this.options.workload.apiVersion : 'v1',
            kind: workload ? this.kind : 'Pod',
            namespace: this.namespace,
            selector: workload ? { fieldSelector: `metadata.name=${this.name}` } : { labelSelector: this.podSelector },
            what: workload ? this.label : `the pods of ${this.label}`,
            onList: async (items) => {
                if (workload) {
                    this.current = items[0];
                    if (!this.current)
                        return this.deleted();
                    await this.refreshPodKey();
                }
                else {
                    this.pods.clear();
                    for (const pod of items)
                        this.pods.set(pod.metadata.name, pod);
                }
                this.evaluate();
            },
            onEvent: (type, object) => this.onEvent(which, type, object),
            remainingMs: () => this.options.timeoutMs - (this.clock() - this.started),
            clock: this.clock,
            log: this.log,
            onResumed: (blindMs) => this.timeline({
                at: this.clock(),
                text: `watch of ${workload ? this.label : 'its pods'} resumed after ${(blindMs / 1000).toFixed(1)} s`,
            }),
        });
    }
}

;// CONCATENATED MODULE: ./src/watcher.ts


async function waitForRollout(options) {
    return new RolloutWatch(options).run();
}

;// CONCATENATED MODULE: ./src/phases/context.ts


/** Steps the orchestrator runs at the end whatever happened (release the lock, remove signal handlers). */
class Cleanup {
    steps = [];
    add(step) {
        this.steps.push(step);
    }
    async run() {
        for (const step of this.steps.splice(0).reverse())
            await step();
    }
}
function phaseContext(options) {
    const clock = options.clock ?? Date.now;
    const log = options.log ?? (() => undefined);
    const group = options.phase ?? ((_name, body) => body());
    const report = emptyReport(options.dryRun);
    return {
        options,
        api: options.api,
        report,
        clock,
        log,
        warn: options.warn ?? log,
        waitForRollout: options.waitForRollout ?? waitForRollout,
        cleanup: new Cleanup(),
        mark: (text) => void report.timeline.push({ at: clock(), text }),
        phase: async (name, body) => {
            const start = clock();
            let ok = false;
            try {
                const result = await group(name, body);
                ok = true;
                return result;
            }
            finally {
                report.phases.push({ name, start, end: clock(), ok });
            }
        },
    };
}
function errorText(error) {
    return error instanceof Error ? error.message : String(error);
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(77598);
// EXTERNAL MODULE: ../../node_modules/diff/libesm/patch/create.js + 2 modules
var create = __webpack_require__(35415);
// EXTERNAL MODULE: ../../node_modules/yaml/dist/index.js
var dist = __webpack_require__(33483);
;// CONCATENATED MODULE: ./src/objects.ts
/**
 * Kubernetes objects as plain data: references, dependency order, cleaning
 * live objects for backups, stamping run metadata, change detection and
 * diffs. Pure functions.
 */




function refOf(object) {
    const ref = { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name };
    if (object.metadata.namespace)
        ref.namespace = object.metadata.namespace;
    return ref;
}
/** `Deployment/web` or `Deployment/web in shop` for messages and tables. */
function describeRef(ref) {
    return ref.namespace ? `${ref.kind}/${ref.name} in ${ref.namespace}` : `${ref.kind}/${ref.name}`;
}
function refKey(ref) {
    const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
    return `${group}|${ref.kind}|${ref.namespace ?? ''}|${ref.name}`;
}
/** Apply order: what others depend on first. Unknown kinds (custom resources) go last. */
const RANK = {
    Namespace: 0,
    CustomResourceDefinition: 1,
    PriorityClass: 2,
    StorageClass: 2,
    IngressClass: 2,
    ResourceQuota: 2,
    LimitRange: 2,
    NetworkPolicy: 2,
    ServiceAccount: 3,
    ClusterRole: 4,
    Role: 4,
    ClusterRoleBinding: 5,
    RoleBinding: 5,
    ConfigMap: 6,
    Secret: 6,
    PersistentVolume: 7,
    PersistentVolumeClaim: 8,
    Service: 9,
    Deployment: 10,
    StatefulSet: 10,
    DaemonSet: 10,
    ReplicaSet: 10,
    ReplicationController: 10,
    Pod: 10,
    Job: 10,
    CronJob: 10,
    Ingress: 11,
    HorizontalPodAutoscaler: 11,
    PodDisruptionBudget: 11,
};
const UNKNOWN_RANK = 12;
function applyRank(kind) {
    return RANK[kind] ?? UNKNOWN_RANK;
}
/** Stable sort into apply order; manifest order is kept within a rank. */
function sortForApply(items) {
    return items
        .map((item, index) => ({ item, index }))
        .sort((a, b) => applyRank(a.item.object.kind) - applyRank(b.item.object.kind) || a.index - b.index)
        .map(({ item }) => item);
}
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);
function isWorkload(ref) {
    return WORKLOAD_KINDS.has(ref.kind) && ref.apiVersion === 'apps/v1';
}
/** Annotations written by controllers or kubectl that must not be restored from a backup. */
const SERVER_ANNOTATIONS = [
    'deployment.kubernetes.io/revision',
    'deployment.kubernetes.io/desired-replicas',
    'deployment.kubernetes.io/max-replicas',
];
const SERVER_METADATA = [
    'managedFields',
    'resourceVersion',
    'uid',
    'creationTimestamp',
    'generation',
    'selfLink',
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
];
/** A deep copy of a live object without the fields the server manages (status, managedFields, uid, ...). */
function cleanObject(object) {
    const copy = structuredClone(object);
    delete copy['status'];
    const meta = copy.metadata;
    for (const field of SERVER_METADATA)
        delete meta[field];
    if (record_isRecord(meta['annotations'])) {
        const annotations = meta['annotations'];
        for (const key of SERVER_ANNOTATIONS)
            delete annotations[key];
        if (Object.keys(annotations).length === 0)
            delete meta['annotations'];
    }
    return copy;
}
/** Secret values replaced by digests, for anything written outside memory (backup file, summary, diff). */
function redactSecret(object) {
    if (object.kind !== 'Secret' || object.apiVersion !== 'v1')
        return object;
    const copy = structuredClone(object);
    for (const field of ['data', 'stringData']) {
        const values = copy[field];
        if (!record_isRecord(values))
            continue;
        for (const key of Object.keys(values)) {
            values[key] = `<redacted sha256:${(0,external_node_crypto_.createHash)('sha256').update(String(values[key])).digest('hex').slice(0, 12)}>`;
        }
    }
    const annotations = copy.metadata.annotations;
    if (annotations && 'kubectl.kubernetes.io/last-applied-configuration' in annotations) {
        annotations['kubectl.kubernetes.io/last-applied-configuration'] = '<redacted>';
    }
    return copy;
}
/** Sets each annotation on the object (in place). */
function stampAnnotations(object, annotations) {
    if (annotations.size === 0)
        return;
    const current = record_isRecord(object.metadata.annotations) ? object.metadata.annotations : {};
    for (const [key, value] of annotations)
        current[key] = value;
    object.metadata.annotations = current;
}
/** The run metadata stamped on every object, then the user's annotations. */
function runAnnotations(run, extra, prefix = 'deploy-k8s.pipeline-actions.io') {
    const result = new Map();
    if (run.repository)
        result.set(`${prefix}/repository`, run.repository);
    if (run.sha)
        result.set(`${prefix}/commit`, run.sha);
    if (run.runUrl)
        result.set(`${prefix}/run-url`, run.runUrl);
    if (run.actor)
        result.set(`${prefix}/actor`, run.actor);
    for (const [key, value] of extra)
        result.set(key, value);
    return result;
}
/**
 * The part of an object that a deploy can change, for "did anything change?":
 * cleaned, and without the run-metadata annotations (a re-run of the same
 * manifests is `unchanged` even though its run URL differs).
 */
function comparable(object, ignoreAnnotations) {
    const copy = cleanObject(object);
    const annotations = copy.metadata.annotations;
    if (annotations) {
        for (const key of ignoreAnnotations)
            delete annotations[key];
        if (Object.keys(annotations).length === 0)
            delete copy.metadata.annotations;
    }
    return sortKeys(copy);
}
function sameObject(a, b, ignoreAnnotations) {
    return JSON.stringify(comparable(a, ignoreAnnotations)) === JSON.stringify(comparable(b, ignoreAnnotations));
}
function sortKeys(value) {
    if (Array.isArray(value))
        return value.map(sortKeys);
    if (record_isRecord(value)) {
        const out = {};
        for (const key of Object.keys(value).sort())
            out[key] = sortKeys(value[key]);
        return out;
    }
    return value;
}
/** YAML of a cleaned, Secret-redacted object. */
function toCleanYaml(object) {
    return (0,dist/* stringify */.As)(redactSecret(cleanObject(object)), { sortMapEntries: false, lineWidth: 0 });
}
/** A unified diff between the live object (or nothing) and what the server would store. */
function objectDiff(before, after, label) {
    const a = before ? toCleanYaml(before) : '';
    const b = toCleanYaml(after);
    return (0,create/* createTwoFilesPatch */.ss)(before ? `live/${label}` : '/dev/null', `new/${label}`, a, b, undefined, undefined, {
        context: 3,
    })
        .split('\n')
        .slice(1) // drop the "Index:"/"=====" header line
        .filter((line) => !/^=+$/.test(line))
        .join('\n')
        .trim();
}
/** Pod template of a Deployment/StatefulSet/DaemonSet. */
function templateOf(object) {
    const spec = object['spec'];
    return isRecord(spec) && isRecord(spec['template']) ? spec['template'] : undefined;
}

;// CONCATENATED MODULE: ./src/kube.ts
/**
 * The small interface everything but the client adapter (kube-client.ts)
 * uses to talk to the Kubernetes API, so logic tests can pass an in-memory
 * fake and the end-to-end tests exercise the adapter against a real API
 * server.
 */

/** An API or connection error with a message written for the workflow log. */
class KubeError extends errors_ActionError {
    status;
    reason;
    code;
    name = 'KubeError';
    constructor(message, status, reason, 
    /** The network error code (ECONNREFUSED...) when no answer came. */
    code) {
        super(message);
        this.status = status;
        this.reason = reason;
        this.code = code;
    }
}
/** Network failures that mean the API server is away (restarting) or dropped the connection. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
/**
 * Is this failure worth sending the request again: the API server is
 * restarting (connection refused or dropped) or shedding load (429, 503)?
 * Every write here is safe to repeat: server-side apply is idempotent, and
 * a repeated PUT, POST or DELETE answers 409 or 404, which the callers
 * already handle by reading again.
 */
function isTransient(error) {
    if (!(error instanceof KubeError))
        return false;
    return (error.code !== undefined && UNREACHABLE.has(error.code)) || error.status === 429 || error.status === 503;
}
function isNotFound(error) {
    return error instanceof KubeError && error.status === 404;
}
function isConflict(error) {
    return error instanceof KubeError && error.status === 409;
}

;// CONCATENATED MODULE: ./src/lock.ts
/**
 * Deployment lock: a coordination.k8s.io/v1 Lease per namespace and
 * application. Acquired with optimistic concurrency (create, or replace at
 * a resourceVersion), renewed while the deploy runs, released at the end.
 * A run that finds the Lease held and fresh waits (bounded), then fails
 * naming the holder.
 */


class LockTimeoutError extends errors_ActionError {
    name = 'LockTimeoutError';
}
/** MicroTime as the API server writes it (microseconds). */
function microTime(ms) {
    return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
/** Lease names: a DNS subdomain made from the application name. */
function leaseName(application) {
    const cleaned = application
        .toLowerCase()
        .replace(/[^a-z0-9.-]+/g, '-')
        .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
    return `deploy-k8s.${cleaned || 'app'}`.slice(0, 253).replace(/[^a-z0-9]+$/, '');
}
/** Is the lease held by someone (not us) whose renewal is still fresh at `nowMs`? */
function heldByOther(spec, holder, nowMs) {
    if (!spec.holderIdentity || spec.holderIdentity === holder)
        return false;
    const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? '');
    if (Number.isNaN(renewed))
        return true;
    return renewed + (spec.leaseDurationSeconds ?? 15) * 1000 > nowMs;
}
function specOf(lease) {
    const spec = lease['spec'];
    return record_isRecord(spec) ? spec : {};
}
/**
 * Resolves when the Lease changes (a watch event), or after `limitMs`. If the
 * watch cannot be opened, falls back to sleeping `fallbackMs`.
 */
async function leaseChanged(api, lease, limitMs, fallbackMs, sleep) {
    let handle;
    let timer;
    let settled = false;
    const outcome = await new Promise((resolve) => {
        const settle = (value) => {
            if (settled)
                return;
            settled = true;
            resolve(value);
        };
        timer = setTimeout(() => settle('changed'), limitMs);
        api
            .watch(lease.apiVersion, 'Lease', lease.metadata.namespace, {
            fieldSelector: `metadata.name=${lease.metadata.name}`,
            ...(typeof lease.metadata['resourceVersion'] === 'string'
                ? { resourceVersion: lease.metadata['resourceVersion'] }
                : {}),
        }, (type) => {
            if (type !== 'BOOKMARK' && type !== 'ERROR')
                settle('changed');
        }, (error) => settle(error ? 'failed' : 'changed'))
            .then((h) => {
            handle = h;
            if (settled)
                h.stop();
        }, () => settle('failed'));
    });
    clearTimeout(timer);
    handle?.stop();
    // No watch (for example no RBAC permission to watch Leases): poll instead of spinning.
    if (outcome === 'failed')
        await sleep(fallbackMs);
}
function freshSpec(a, transitions) {
    const now = microTime(a.clock());
    return {
        holderIdentity: a.options.holder,
        leaseDurationSeconds: a.duration,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: transitions,
    };
}
/** Conflicts mean another run wrote the Lease between our read and our write: read again at once. */
const ON_CONFLICT = { attempts: 20, initialDelayMs: 10, maxDelayMs: 200, shouldRetry: isConflict };
/** One look at the Lease: takes it when free (the Lease as written), else returns the other holder's Lease. */
async function tryAcquire(a) {
    const { api, name, namespace, holder, fieldManager } = a.options;
    return retry(async () => {
        const lease = await api.get(a.ref);
        if (!lease) {
            const labels = { 'app.kubernetes.io/managed-by': 'deploy-k8s' };
            return {
                mine: await api.create({
                    apiVersion: a.ref.apiVersion,
                    kind: 'Lease',
                    metadata: { name, namespace, labels },
                    spec: freshSpec(a, 0),
                }, { fieldManager }),
            };
        }
        const spec = specOf(lease);
        if (heldByOther(spec, holder, a.clock()))
            return { held: lease };
        const transitions = (spec.leaseTransitions ?? 0) + (spec.holderIdentity && spec.holderIdentity !== holder ? 1 : 0);
        return {
            mine: await api.replace({ ...lease, spec: { ...spec, ...freshSpec(a, transitions) } }, { fieldManager }),
        };
    }, { ...ON_CONFLICT, sleep: a.sleep });
}
function holderText(spec) {
    return `'${spec.holderIdentity ?? '?'}' (last renewed ${spec.renewTime ?? 'never'}, lease duration ${spec.leaseDurationSeconds ?? '?'} s)`;
}
/** Waits for a held Lease to change or expire (bounded by what is left of `waitMs`); throws at the bound. */
async function waitForHolder(a, lease, waited, announce) {
    const { options } = a;
    const spec = specOf(lease);
    if (waited >= options.waitMs) {
        throw new LockTimeoutError(`Another deployment holds the lock Lease ${options.namespace}/${options.name}: holder ${holderText(spec)}. Waited ${Math.round(waited / 1000)} s (the 'timeout' input); nothing was changed. Re-run when it has finished, or set lock: false if the holder is gone for good.`);
    }
    announce(spec, waited);
    // Wake up when the Lease changes (watch), when it would expire, or at the bound, whichever is first.
    const pollMs = options.pollMs ?? 1000;
    const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? '');
    const expiresIn = Number.isNaN(renewed)
        ? pollMs
        : renewed + (spec.leaseDurationSeconds ?? 15) * 1000 - a.clock() + 10;
    const limit = Math.max(1, Math.min(options.waitMs - waited, Math.max(expiresIn, 1)));
    await (options.watchChanges === false
        ? a.sleep(Math.min(pollMs, limit))
        : leaseChanged(options.api, lease, limit, Math.min(pollMs, limit), a.sleep));
}
/** The held lock: renewed on a timer until released. */
function holdLock(a, written, waitedMs) {
    const { api, holder, fieldManager, namespace, name } = a.options;
    const log = a.options.log ?? (() => undefined);
    /** The Lease as last written by us: renewal and release try it first (one request), reading again only on a conflict. */
    let mine = written;
    let lost = false;
    const renewed = (lease) => ({
        ...lease,
        spec: { ...specOf(lease), renewTime: microTime(a.clock()) },
    });
    let released = false;
    const renew = async () => {
        if (released)
            return;
        if (mine) {
            try {
                mine = await api.replace(renewed(mine), { fieldManager });
                return;
            }
            catch (error) {
                if (!isConflict(error))
                    throw error;
                mine = undefined;
            }
        }
        const lease = await api.get(a.ref);
        if (released)
            return;
        if (!lease || specOf(lease).holderIdentity !== holder) {
            if (!lost)
                log(`Lost the lock Lease ${namespace}/${name} (now held by ${lease ? String(specOf(lease).holderIdentity) : 'nobody'})`);
            lost = true;
            return;
        }
        mine = await api.replace(renewed(lease), { fieldManager });
    };
    // One renewal at a time: a renewal waiting out an API server restart is not joined by the next one.
    let renewing = false;
    const timer = setInterval(() => {
        if (renewing)
            return;
        renewing = true;
        renew()
            .catch((error) => log(`Could not renew the lock Lease: ${error instanceof Error ? error.message : String(error)}`))
            .finally(() => (renewing = false));
    }, Math.max(1000, (a.duration * 1000) / 3));
    timer.unref();
    const release = async (attempt) => {
        // First try: the Lease as we last wrote it (one request); a conflict means someone else wrote it since.
        const lease = attempt === 1 && mine ? mine : await api.get(a.ref).catch(() => undefined);
        if (!lease || specOf(lease).holderIdentity !== holder)
            return;
        const spec = { ...specOf(lease) };
        delete spec.holderIdentity;
        await api.replace({ ...lease, spec }, { fieldManager });
    };
    return {
        ref: a.ref,
        waitedMs,
        release: async () => {
            released = true;
            clearInterval(timer);
            const shouldRetry = (error) => isConflict(error) || isNotFound(error);
            // After three conflicts someone else keeps writing the Lease: it is no longer ours to release.
            await retry(release, { attempts: 3, initialDelayMs: 10, maxDelayMs: 100, shouldRetry, sleep: a.sleep }).catch((error) => {
                if (!shouldRetry(error))
                    throw error;
            });
        },
    };
}
async function acquireLock(options) {
    const clock = options.clock ?? Date.now;
    const a = {
        options,
        ref: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', name: options.name, namespace: options.namespace },
        clock,
        sleep: options.sleep ?? sleep,
        duration: options.leaseDurationSeconds ?? 30,
    };
    const started = clock();
    let announced = '';
    const announce = (spec, waited) => {
        if (announced === spec.holderIdentity)
            return;
        announced = spec.holderIdentity ?? '';
        options.log?.(`Lock Lease ${options.namespace}/${options.name} is held by ${holderText(spec)}; waiting up to ${Math.round((options.waitMs - waited) / 1000)} s`);
    };
    for (;;) {
        const attempt = await tryAcquire(a);
        if ('mine' in attempt)
            return holdLock(a, attempt.mine, clock() - started);
        await waitForHolder(a, attempt.held, clock() - started, announce);
    }
}

;// CONCATENATED MODULE: ./src/phases/lock.ts
/**
 * Phase 2, lock: the deployment Lease (not for a dry run or `lock: false`).
 * Taken before the dry run, or, when the lock's namespace is created by this
 * deploy, right after apply created it. Released by the orchestrator's
 * cleanup, and at once when the run is cancelled.
 */


/** Must the lock wait for apply to create its namespace? */
function lockIsDeferred(state) {
    return state.createdNamespaces.has(state.lockTarget.namespace) && state.items.some((i) => i.deferred);
}
/** On SIGINT/SIGTERM: release the Lease, then let the signal take its usual effect. */
function releaseOnSignal(ctx, lock, target) {
    const proc = ctx.options.process;
    if (!proc)
        return () => undefined;
    const onSignal = (signal) => {
        const rollingBack = ctx.report.rollbackStartedAt !== undefined && ctx.report.rollbackDoneAt === undefined;
        ctx.warn(`Received ${signal} (the run is being cancelled): releasing the lock Lease ${target.namespace}/${target.name}; ` +
            `${rollingBack ? 'the rollback is interrupted' : 'no rollback is attempted'}. The backup is ${ctx.report.backupFile || 'not written yet'}.`);
        void lock.release().finally(() => proc.kill(proc.pid, signal));
    };
    proc.once('SIGINT', onSignal);
    proc.once('SIGTERM', onSignal);
    return () => {
        proc.removeListener('SIGINT', onSignal);
        proc.removeListener('SIGTERM', onSignal);
    };
}
/** Takes the lock unless it is taken already or not wanted. */
async function takeLock(ctx, state) {
    const { options } = ctx;
    if (!options.lock || options.dryRun || state.lock)
        return state;
    const { namespace, name } = state.lockTarget;
    const lock = await ctx.phase('Acquire lock', async () => {
        ctx.mark(`waiting for lock ${namespace}/${name}`);
        const held = await acquireLock({
            api: ctx.api,
            namespace,
            name,
            holder: options.holder,
            fieldManager: options.fieldManager,
            waitMs: options.timeoutMs,
            log: ctx.log,
        });
        const removeHandlers = releaseOnSignal(ctx, held, state.lockTarget);
        ctx.cleanup.add(async () => {
            removeHandlers();
            await held.release().catch((error) => ctx.warn(`Could not release the lock Lease: ${errorText(error)}`));
        });
        ctx.report.lock = { name, namespace, waitedMs: held.waitedMs };
        ctx.mark(`lock acquired after ${Math.round(held.waitedMs / 100) / 10} s`);
        ctx.log(`Holding lock Lease ${namespace}/${name} as ${options.holder}`);
        return held;
    });
    return { ...state, lock };
}
/** The lock phase as the orchestrator runs it: now, unless it waits for its namespace. */
async function lock(ctx, state) {
    const unlocked = { ...state, lock: undefined };
    return lockIsDeferred(state) ? unlocked : takeLock(ctx, unlocked);
}

;// CONCATENATED MODULE: ./src/images.ts
/**
 * Image references and the `images` replacement rules. Pure functions.
 *
 * A rule `name=new-image` replaces the image of every container and init
 * container whose repository is `name`: compared after Docker Hub
 * normalisation (`nginx` = `docker.io/library/nginx`), and also when `name`
 * is a trailing path of the repository at a `/` boundary
 * (`example-service` matches `ghcr.io/acme/example-service:1.0`).
 */
// Repository: lowercase path components, optional registry host[:port]; tag; digest.
const REPOSITORY = /^(?:[a-zA-Z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;
/** Parses an image reference; returns undefined when it is not one. */
function parseImage(image) {
    let rest = image.trim();
    if (rest === '' || /\s/.test(rest))
        return undefined;
    let digest;
    const at = rest.indexOf('@');
    if (at >= 0) {
        digest = rest.slice(at + 1);
        rest = rest.slice(0, at);
        if (!DIGEST.test(digest))
            return undefined;
    }
    let tag;
    const colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
        tag = rest.slice(colon + 1);
        rest = rest.slice(0, colon);
        if (!TAG.test(tag))
            return undefined;
    }
    if (!REPOSITORY.test(rest))
        return undefined;
    return { repository: rest, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}
/** docker.io normalisation: `nginx` -> `docker.io/library/nginx`, `acme/app` -> `docker.io/acme/app`. */
function normalizeRepository(repository) {
    const parts = repository.split('/');
    const first = parts[0] ?? '';
    const hasRegistry = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
    if (hasRegistry)
        return first === 'index.docker.io' ? ['docker.io', ...parts.slice(1)].join('/') : repository;
    if (parts.length === 1)
        return `docker.io/library/${repository}`;
    return `docker.io/${repository}`;
}
/** Does the rule name `name` select the image `image`? */
function imageMatches(name, image) {
    const ref = parseImage(image);
    if (!ref)
        return false;
    const wanted = parseImage(name)?.repository ?? name;
    if (ref.repository === wanted)
        return true;
    if (normalizeRepository(ref.repository) === normalizeRepository(wanted))
        return true;
    return ref.repository.endsWith(`/${wanted}`);
}
/** Where the pod spec sits inside an object of a workload kind, or undefined. */
function podSpecOf(object) {
    const kind = object['kind'];
    const get = (o, key) => o && typeof o === 'object' ? o[key] : undefined;
    let spec;
    let path;
    if (kind === 'Pod') {
        spec = object['spec'];
        path = 'spec';
    }
    else if (kind === 'CronJob') {
        spec = get(get(get(get(object['spec'], 'jobTemplate'), 'spec'), 'template'), 'spec');
        path = 'spec.jobTemplate.spec.template.spec';
    }
    else {
        spec = get(get(object['spec'], 'template'), 'spec');
        path = 'spec.template.spec';
    }
    return spec && typeof spec === 'object' && !Array.isArray(spec)
        ? { spec: spec, path }
        : undefined;
}
/** Images of every container and init container of an object (empty for non-workloads). */
function imagesOf(object) {
    const pod = podSpecOf(object);
    if (!pod)
        return [];
    const images = [];
    for (const field of ['initContainers', 'containers']) {
        const list = pod.spec[field];
        if (!Array.isArray(list))
            continue;
        for (const c of list)
            if (typeof c?.image === 'string')
                images.push(c.image);
    }
    return images;
}
/**
 * Applies the rules to an object in place; returns what changed. The first
 * matching rule wins for each container.
 */
function replaceImages(object, rules) {
    const pod = podSpecOf(object);
    if (!pod || rules.length === 0)
        return [];
    const changes = [];
    for (const field of ['initContainers', 'containers']) {
        const list = pod.spec[field];
        if (!Array.isArray(list))
            continue;
        list.forEach((container, index) => {
            if (!container || typeof container.image !== 'string')
                return;
            const rule = rules.find((r) => imageMatches(r.name, container.image));
            if (!rule)
                return;
            if (container.image !== rule.image) {
                changes.push({
                    path: `${pod.path}.${field}[${index}]`,
                    container: typeof container.name === 'string' ? container.name : `#${index}`,
                    from: container.image,
                    to: rule.image,
                    rule: rule.name,
                });
            }
            container.image = rule.image;
        });
    }
    return changes;
}

;// CONCATENATED MODULE: ./src/phases/validate.ts
/**
 * Phase 3, validate: a server-side dry run of every object that can be
 * checked now, beside a read of its live state, to tell create, configure
 * and unchanged apart and to diff. Objects waiting for their Namespace or CRD
 * are validated by apply, with the same function.
 */







/** Dry-runs one item; records the action and diff on it, or returns the server's objection. */
async function dryRun(ctx, item) {
    const { api, options } = ctx;
    try {
        [item.live, item.predicted] = await Promise.all([
            api.get(item.ref),
            api.apply(item.object, { fieldManager: options.fieldManager, dryRun: true }),
        ]);
    }
    catch (error) {
        const message = error instanceof KubeError ? error.message.replace(/^[^:]*: /, '') : errorText(error);
        item.report.action = 'invalid';
        item.report.result = 'rejected by the server-side dry run';
        return {
            file: item.source.file,
            document: item.source.document,
            object: `${item.ref.kind}/${item.ref.name}`,
            message,
        };
    }
    const { live, predicted } = item;
    item.action = !live ? 'create' : sameObject(live, predicted, options.volatileAnnotations) ? 'unchanged' : 'configure';
    item.report.action = item.action;
    item.report.oldImages = live ? imagesOf(live) : [];
    item.report.previousRevision = workloadRevision(live);
    if (item.action !== 'unchanged') {
        ctx.report.diffs.push({
            label: describeRef(item.ref),
            diff: objectDiff(live ? redactSecret(live) : undefined, redactSecret(predicted), `${item.ref.kind}/${item.ref.name}`),
        });
    }
    return undefined;
}
/** Dry-runs a batch (four at a time); throws ValidationError listing every objection in manifest order. */
async function dryRunAll(ctx, batch) {
    const found = (await mapLimit(batch, 4, (item) => dryRun(ctx, item))).filter((p) => p !== undefined);
    found.sort((a, b) => a.file.localeCompare(b.file) || a.document - b.document);
    if (found.length > 0)
        throw new ValidationError(found);
}
async function validate(ctx, state) {
    const now = state.items.filter((i) => !i.deferred);
    const deferred = state.items.filter((i) => i.deferred);
    await ctx.phase('Server-side dry run', async () => {
        ctx.mark('server-side dry run');
        try {
            await dryRunAll(ctx, now);
        }
        catch (error) {
            if (error instanceof ValidationError)
                fail(ctx.report, error.message);
            throw error;
        }
        for (const item of now)
            ctx.log(`${describeRef(item.ref)}: ${item.action === 'unchanged' ? 'unchanged' : `would ${item.action}`}`);
        if (deferred.length > 0) {
            ctx.log(`${deferred.length} object(s) are validated after their Namespace or CustomResourceDefinition is created: ${deferred.map((i) => describeRef(i.ref)).join(', ')}`);
        }
    });
    if (state.firstWorkload)
        ctx.report.previousRevision = state.firstWorkload.report.previousRevision ?? '';
    return { ...state, changing: state.items.filter((i) => i.deferred || i.action !== 'unchanged') };
}

;// CONCATENATED MODULE: ./src/phases/apply.ts
/**
 * Phase 5, apply: server-side apply in dependency order, stopping at the
 * first failure. An object whose Namespace or CRD this deploy creates is
 * validated right before it is written (and the lock is taken then, when it
 * waited for its namespace).
 */






const CRD_WAIT_MS = 30_000;
const CRD_POLL_MS = 250;
class NotEstablished extends errors_ActionError {
    name = 'NotEstablished';
}
/** Waits (bounded) until the CRDs this deploy applied are Established. */
async function waitForCrds(ctx, applied) {
    const deadline = ctx.clock() + CRD_WAIT_MS;
    for (const crd of applied.filter((i) => i.ref.kind === 'CustomResourceDefinition')) {
        await retry(async () => {
            const live = await ctx.api.get(crd.ref);
            const conditions = arrayOf(recordOf(live?.['status'])['conditions']);
            if (!conditions.some((c) => c.type === 'Established' && c.status === 'True')) {
                throw new NotEstablished(`${describeRef(crd.ref)} was not Established within ${CRD_WAIT_MS / 1000} s`);
            }
        }, {
            attempts: Number.POSITIVE_INFINITY,
            initialDelayMs: CRD_POLL_MS,
            factor: 1,
            maxDelayMs: CRD_POLL_MS,
            shouldRetry: (error) => error instanceof NotEstablished && ctx.clock() <= deadline,
        });
    }
}
/** A deferred item: wait for its CRDs, take the lock if it waited, dry-run it now. */
async function validateDeferred(ctx, state, item, applied) {
    await waitForCrds(ctx, applied);
    try {
        const locked = await takeLock(ctx, state);
        await dryRunAll(ctx, [item]);
        if (item.action === 'unchanged')
            item.report.result = 'unchanged';
        return { state: locked, skip: item.action === 'unchanged' };
    }
    catch (error) {
        item.report.result = 'invalid';
        return { state, failure: errorText(error) };
    }
}
async function applyOne(ctx, item) {
    try {
        item.applied = await ctx.api.apply(item.object, { fieldManager: ctx.options.fieldManager, dryRun: false });
        item.report.result = 'applied';
        ctx.log(`${describeRef(item.ref)}: ${item.action === 'create' ? 'created' : 'configured'}`);
        return undefined;
    }
    catch (error) {
        item.report.result = 'apply failed';
        return `${item.source.file} (document ${item.source.document}) ${item.ref.kind}/${item.ref.name}: ${errorText(error)}`;
    }
}
async function apply(ctx, initial) {
    return ctx.phase('Apply', async () => {
        ctx.mark('apply started');
        let state = initial;
        let failure;
        const applied = [];
        for (const item of state.changing) {
            if (item.deferred && !item.predicted) {
                const step = await validateDeferred(ctx, state, item, applied);
                state = step.state;
                failure = step.failure;
                if (failure)
                    break;
                if (step.skip)
                    continue;
            }
            failure = await applyOne(ctx, item);
            if (failure)
                break;
            applied.push(item);
        }
        for (const item of state.items)
            if (item.action === 'unchanged' && item.report.result === 'not applied')
                item.report.result = 'unchanged';
        ctx.mark(failure ? 'apply failed' : `applied ${applied.length} object(s)`);
        return { ...state, applied, failure };
    });
}

;// CONCATENATED MODULE: ./src/phases/backup.ts
/**
 * Phase 4, backup: the live state of everything about to change, cleaned of
 * server fields, kept in memory for the rollback and written as YAML (Secret
 * values as digests, mode 0600) before the first write.
 */




/** The backup file's text: a header, the objects the deploy creates as comments, then one document per live object. */
function backupText(takenAt, backups, created) {
    const header = `# deploy-k8s backup taken ${takenAt.toISOString()} before applying; ${backups.length} live object(s).\n` +
        '# Secret values are replaced by digests. Objects the deploy creates are listed as comments.\n';
    const comments = created.map((ref) => `# would be created: ${ref}\n`).join('');
    return header + comments + backups.map((o) => `---\n${(0,dist/* stringify */.As)(redactSecret(o), { lineWidth: 0 })}`).join('');
}
async function backup(ctx, state) {
    const { report, options } = ctx;
    const backups = new Map();
    for (const item of state.changing)
        if (item.live)
            backups.set(item.key, cleanObject(item.live));
    await ctx.phase('Back up live state', async () => {
        await (0,promises_.mkdir)(options.backupDir, { recursive: true });
        const takenAt = new Date(ctx.clock());
        report.backupFile = external_node_path_default().join(options.backupDir, `deploy-k8s-backup-${takenAt.toISOString().replace(/[:.]/g, '-')}.yaml`);
        const created = state.changing.filter((i) => !i.live).map((i) => describeRef(i.ref));
        await (0,promises_.writeFile)(report.backupFile, backupText(takenAt, [...backups.values()], created), { mode: 0o600 });
        ctx.mark(`backup of ${backups.size} object(s) written`);
        ctx.log(`Backup of ${backups.size} live object(s): ${report.backupFile}`);
    });
    return { ...state, backups };
}

;// CONCATENATED MODULE: ./src/phases/outcome.ts
/**
 * How a deploy that did not fail ends: a dry run, nothing to change, or
 * deployed. Each settles the statuses and revisions in the report.
 */


function dryRunDone(ctx, state) {
    const { report } = ctx;
    report.status = 'unchanged';
    for (const item of state.items)
        item.report.result = item.deferred
            ? 'validated at apply time'
            : item.action === 'unchanged'
                ? 'unchanged'
                : `would ${item.action}`;
    report.revision = report.previousRevision;
    return report;
}
function nothingToChange(ctx, state) {
    const { report } = ctx;
    report.status = 'unchanged';
    for (const item of state.items) {
        item.report.result = 'unchanged';
        item.report.revision = item.report.previousRevision ?? '';
    }
    report.revision = report.previousRevision;
    ctx.log('Every object already matches its manifest: nothing to apply.');
    return report;
}
async function deployed(ctx, state) {
    const { report } = ctx;
    report.status = 'deployed';
    for (const item of state.items) {
        if (!isWorkload(item.ref) || item.report.revision)
            continue;
        // Unchanged workloads keep their revision; without a wait, read the revision the controller assigned so far.
        item.report.revision = item.applied
            ? workloadRevision(await ctx.api.get(item.ref).catch(() => item.applied))
            : (item.report.previousRevision ?? '');
    }
    report.revision = state.firstWorkload?.report.revision ?? '';
    return report;
}

;// CONCATENATED MODULE: ./src/unserved-kinds.ts
/**
 * Objects whose kind the cluster does not serve (a custom resource whose
 * CustomResourceDefinition is not installed, such as a ServiceMonitor on a
 * cluster without the Prometheus Operator), and what the `unknown-kinds`
 * input does with them: `fail` (the default) stops the deploy before
 * anything is written and lists them all; `skip` deploys the rest and
 * reports them as skipped, with a warning.
 */

const UNKNOWN_KINDS_POLICIES = ['fail', 'skip'];
/** `group/version|Kind`, the key definedKinds uses. */
const kindKey = (o) => `${o.apiVersion}|${o.kind}`;
/**
 * The objects whose apiVersion and kind API discovery does not list and no
 * CustomResourceDefinition in the same manifests defines (those are applied
 * after their CRD), in manifest order.
 */
async function findUnserved(api, objects, definedByManifests) {
    const kinds = [...new Map(objects.map((o) => [kindKey(o.object), o.object])).values()];
    const served = new Map();
    await Promise.all(kinds.map(async (o) => served.set(kindKey(o), (await api.resourceInfo(o.apiVersion, o.kind)) !== undefined)));
    return objects
        .filter((o) => !served.get(kindKey(o.object)) && !definedByManifests.has(kindKey(o.object)))
        .map((o) => ({
        apiVersion: o.object.apiVersion,
        kind: o.object.kind,
        name: o.object.metadata.name,
        file: o.file,
        document: o.document,
    }));
}
/** One line per kind: `ServiceMonitor (monitoring.coreos.com/v1): example-service (k8s.yaml#3)`. */
function describeUnserved(objects) {
    const byKind = new Map();
    for (const o of objects)
        byKind.set(kindKey(o), [...(byKind.get(kindKey(o)) ?? []), o]);
    return [...byKind.values()].map((list) => `${list[0].kind} (${list[0].apiVersion}): ${list.map((o) => `${o.name} (${o.file}#${o.document})`).join(', ')}`);
}
/** The warning for `unknown-kinds: skip`. */
function skippedWarning(objects) {
    return (`Skipped ${plural_plural(objects.length, 'object')} whose kind the cluster does not serve (unknown-kinds: skip; install the CustomResourceDefinitions to deploy them):\n` +
        describeUnserved(objects)
            .map((line) => `  ${line}`)
            .join('\n'));
}
/** What the `fail` policy adds to each object's validation problem. */
const FAIL_HINT = 'install its CustomResourceDefinition, fix the apiVersion, or set unknown-kinds: skip to deploy the rest without it';

;// CONCATENATED MODULE: ./src/phases/prepare.ts
/**
 * Phase 1, prepare: images replaced, annotations stamped, scope and
 * namespace settled for every object, duplicates and unknown kinds reported
 * all at once. Reads API discovery and namespaces; writes nothing.
 */








/** The application a lock is for: a well-known label, else the first workload's name, else the first object's. */
function applicationName(objects) {
    for (const label of ['app.kubernetes.io/part-of', 'app.kubernetes.io/name', 'app']) {
        for (const o of objects) {
            const value = o.metadata.labels?.[label];
            if (value)
                return value;
        }
    }
    const workload = objects.find((o) => isWorkload(o));
    return (workload ?? objects[0])?.metadata.name ?? 'app';
}
/** Kinds a CustomResourceDefinition in the manifests defines, as `group/version|Kind`. */
function definedKinds(objects) {
    const kinds = new Set();
    for (const o of objects) {
        if (o.kind !== 'CustomResourceDefinition' || !record_isRecord(o['spec']))
            continue;
        const spec = o['spec'];
        const names = record_isRecord(spec['names']) ? spec['names'] : {};
        const versions = arrayOf(spec['versions']);
        for (const v of versions)
            kinds.add(`${String(spec['group'])}/${v.name ?? ''}|${String(names['kind'])}`);
    }
    return kinds;
}
/** The object as it will be applied, or the problem that stops it. */
async function prepareObject(ctx, source, scope, seen) {
    const { options, api } = ctx;
    const object = structuredClone(source.object);
    for (const c of replaceImages(object, options.images))
        ctx.log(`${object.kind}/${object.metadata.name}: container ${c.container} image ${c.from} -> ${c.to}`);
    stampAnnotations(object, options.annotations);
    const info = await api.resourceInfo(object.apiVersion, object.kind);
    const deferred = !info && scope.crdKinds.has(`${object.apiVersion}|${object.kind}`);
    if (!info && !deferred) {
        return `the API server serves no kind ${object.kind} in ${object.apiVersion}: ${FAIL_HINT}`;
    }
    if (info ? info.namespaced : true) {
        const given = object.metadata.namespace;
        if (scope.namespace && given && given !== scope.namespace) {
            return `its namespace ${given} differs from the 'namespace' input ${scope.namespace}; remove metadata.namespace or change the input`;
        }
        object.metadata.namespace = given ?? scope.defaultNamespace;
    }
    else {
        delete object.metadata.namespace;
    }
    const ref = refOf(object);
    const key = refKey(ref);
    if (seen.has(key))
        return `${describeRef(ref)} appears more than once in the manifests`;
    const report = {
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        name: ref.name,
        ...(ref.namespace ? { namespace: ref.namespace } : {}),
        file: source.file,
        document: source.document,
        action: 'unchanged',
        oldImages: [],
        newImages: imagesOf(object),
        result: 'not applied',
    };
    return { source, object, ref, key, deferred, report };
}
/** Image rules that select no container of the manifests. */
function unmatchedRules(ctx) {
    const images = ctx.options.objects.flatMap((o) => imagesOf(o.object));
    return ctx.options.images.map((r) => r.name).filter((name) => !images.some((image) => imageMatches(name, image)));
}
/** Namespaces the manifests create that do not exist yet (their objects are validated once they do). */
async function missingNamespaces(ctx, created) {
    const missing = new Set();
    for (const ns of created) {
        const live = await ctx.api.get({ apiVersion: 'v1', kind: 'Namespace', name: ns }).catch((error) => {
            // Not allowed to read namespaces: assume it exists, as the server-side dry run will tell.
            if (error instanceof KubeError && error.status === 403)
                return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } };
            throw error;
        });
        if (!live)
            missing.add(ns);
    }
    return missing;
}
/** Kinds used after this phase: the lock's Lease, and the Pods the rollout watch follows. */
function laterKinds(ctx, objects) {
    const { lock, dryRun, wait } = ctx.options;
    return [
        ...(lock && !dryRun ? [{ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' }] : []),
        ...(wait && !dryRun && objects.some((o) => isWorkload(o.object)) ? [{ apiVersion: 'v1', kind: 'Pod' }] : []),
    ];
}
async function prepareAll(ctx, scope, objects) {
    const { api } = ctx;
    // Discovery for every API group at once (cached per group), then the checks in manifest order. The
    // groups the lock and the rollout watch use later are looked up in the same round trip, not one by one
    // on the way to the apply (a failure here is reported where they are used).
    const kinds = [...new Map(objects.map((o) => [`${o.object.apiVersion}|${o.object.kind}`, o.object])).values()];
    await Promise.all([...kinds, ...laterKinds(ctx, objects)].map((o) => api.resourceInfo(o.apiVersion, o.kind).catch(() => undefined)));
    const items = [];
    const problems = [];
    const seen = new Set();
    for (const source of objects) {
        const prepared = await prepareObject(ctx, source, scope, seen);
        if (typeof prepared === 'string') {
            problems.push({
                file: source.file,
                document: source.document,
                object: `${source.object.kind}/${source.object.metadata.name}`,
                message: prepared,
            });
        }
        else {
            seen.add(prepared.key);
            items.push(prepared);
        }
    }
    return { items, problems };
}
/** The objects to prepare: all of them, less those whose kind the cluster does not serve under `unknown-kinds: skip`. */
async function deployable(ctx, scope) {
    const { objects, unknownKinds } = ctx.options;
    if (unknownKinds !== 'skip')
        return objects; // fail: prepareObject reports each one
    const unserved = await findUnserved(ctx.api, objects, scope.crdKinds);
    if (unserved.length === 0)
        return objects;
    ctx.report.skipped = unserved;
    ctx.warn(skippedWarning(unserved));
    const skipped = new Set(unserved.map((u) => `${u.file}#${u.document}`));
    return objects.filter((o) => !skipped.has(`${o.file}#${o.document}`));
}
async function prepare(ctx) {
    const { options, report } = ctx;
    const createdNamespaces = new Set(options.objects
        .filter((o) => o.object.kind === 'Namespace' && o.object.apiVersion === 'v1')
        .map((o) => o.object.metadata.name));
    const defaultNamespace = options.namespace ?? ctx.api.contextNamespace ?? 'default';
    const scope = {
        namespace: options.namespace,
        defaultNamespace,
        crdKinds: definedKinds(options.objects.map((o) => o.object)),
    };
    const { items, problems } = await ctx.phase('Validate manifests', async () => {
        const result = await prepareAll(ctx, scope, await deployable(ctx, scope));
        report.unmatchedImageRules = unmatchedRules(ctx);
        for (const rule of report.unmatchedImageRules)
            ctx.warn(`Input 'images': no container uses an image named ${rule}; the rule changed nothing.`);
        const missing = await missingNamespaces(ctx, createdNamespaces);
        for (const item of result.items)
            if (item.ref.namespace && missing.has(item.ref.namespace))
                item.deferred = true;
        return result;
    });
    report.resources = items.map((i) => i.report);
    if (problems.length > 0)
        fail(report, new ValidationError(problems).message);
    const ordered = sortForApply(items);
    const firstWorkload = ordered.find((i) => isWorkload(i.ref));
    const lockNamespace = firstWorkload?.ref.namespace ?? ordered.find((i) => i.ref.namespace)?.ref.namespace ?? defaultNamespace;
    const lockTarget = { namespace: lockNamespace, name: leaseName(applicationName(ordered.map((i) => i.object))) };
    return { items: ordered, firstWorkload, defaultNamespace, createdNamespaces, lockTarget };
}

;// CONCATENATED MODULE: ./src/phases/restore.ts
/**
 * Putting one object back as the backup has it: what the rollback does per
 * object. A Deployment gets the pod template of its previous ReplicaSet
 * (what `kubectl rollout undo` does); a StatefulSet also loses the pods of
 * the failed revision that never became ready.
 */




/** The pod template of the Deployment's ReplicaSet at `revision`, without the pod-template-hash label. */
async function previousTemplate(api, deployment, revision) {
    if (!revision)
        return undefined;
    const uid = deployment.metadata['uid'];
    const { items } = await api.list('apps/v1', 'ReplicaSet', deployment.metadata.namespace);
    const owned = (r) => Array.isArray(r.metadata['ownerReferences']) &&
        r.metadata['ownerReferences'].some((o) => o.uid === uid);
    const rs = items.find((r) => r.metadata.annotations?.['deployment.kubernetes.io/revision'] === revision && owned(r));
    const template = rs && record_isRecord(rs['spec']) && record_isRecord(rs['spec']['template'])
        ? structuredClone(rs['spec']['template'])
        : undefined;
    if (!template)
        return undefined;
    const metadata = record_isRecord(template['metadata']) ? template['metadata'] : undefined;
    if (metadata && record_isRecord(metadata['labels']))
        delete metadata['labels']['pod-template-hash'];
    return template;
}
/**
 * Restores one object with a PUT at the live resourceVersion (or a create if
 * it is gone). A conflict or a vanished object means someone wrote in
 * between: read again and retry.
 */
async function restore(api, item, backup, options) {
    const isDeployment = item.ref.kind === 'Deployment';
    await retry(async () => {
        const live = await api.get(item.ref);
        const target = structuredClone(backup);
        if (isDeployment && live) {
            const template = await previousTemplate(api, live, item.report.previousRevision ?? '');
            if (template && record_isRecord(target['spec']))
                target['spec']['template'] = template;
        }
        if (live) {
            target.metadata['resourceVersion'] = live.metadata['resourceVersion'];
            await api.replace(target, { fieldManager: options.fieldManager });
        }
        else {
            await api.create(target, { fieldManager: options.fieldManager });
        }
    }, {
        attempts: 3,
        initialDelayMs: 100,
        maxDelayMs: 1000,
        shouldRetry: (error) => isConflict(error) || isNotFound(error),
        ...(options.sleep ? { sleep: options.sleep } : {}),
    });
    options.log(`${describeRef(item.ref)}: restored from the backup${isDeployment ? ' (previous ReplicaSet template)' : ''}`);
}
/**
 * A StatefulSet does not replace a pod of the failed revision that never
 * became ready, even after its template is restored (the documented "forced
 * rollback"): delete those pods so that the controller recreates them from
 * the restored template.
 */
async function deleteBrokenPods(api, item, failedRevision, log) {
    const spec = record_isRecord(item.applied?.['spec']) ? item.applied['spec'] : {};
    const { items } = await api.list('v1', 'Pod', item.ref.namespace, {
        labelSelector: selectorString(spec['selector']),
    });
    for (const pod of items) {
        if (pod.metadata.labels?.['controller-revision-hash'] !== failedRevision)
            continue;
        const status = record_isRecord(pod['status']) ? pod['status'] : {};
        const ready = Array.isArray(status['conditions']) &&
            status['conditions'].some((c) => c.type === 'Ready' && c.status === 'True');
        if (ready)
            continue;
        await api.remove({
            apiVersion: 'v1',
            kind: 'Pod',
            name: pod.metadata.name,
            ...(item.ref.namespace ? { namespace: item.ref.namespace } : {}),
        });
        log(`pod ${pod.metadata.name}: deleted (revision ${failedRevision} never became ready; the StatefulSet recreates it from the restored template)`);
    }
}

;// CONCATENATED MODULE: ./src/phases/rollback.ts
/**
 * Phase 7, rollback: after a failed apply or rollout, every changed object
 * is restored from the backup, objects the deploy created are deleted (in
 * reverse dependency order), and the restored workloads are watched until
 * healthy. Always ends by throwing a DeployError: the deploy failed, and the
 * report says whether the cluster is back where it was.
 */





function appendResult(current, next) {
    return current === 'applied' || current === 'not applied' ? next : `${current}, ${next}`;
}
/** Restores every applied object that has a backup; returns those restored. */
async function restoreChanged(ctx, state, problems) {
    const restored = [];
    for (const item of state.applied) {
        const backup = state.backups.get(item.key);
        if (!backup)
            continue;
        try {
            await restore(ctx.api, item, backup, { fieldManager: ctx.options.fieldManager, log: ctx.log });
            if (item.failedRevision)
                await deleteBrokenPods(ctx.api, item, item.failedRevision, ctx.log);
            restored.push(item);
            item.report.result = appendResult(item.report.result, 'rolled back');
        }
        catch (error) {
            problems.push(`${describeRef(item.ref)}: ${errorText(error)}`);
            item.report.result = appendResult(item.report.result, 'rollback failed');
        }
    }
    return restored;
}
/** Deletes what did not exist before, dependents first. */
async function deleteCreated(ctx, state, problems) {
    const created = state.applied
        .filter((i) => !state.backups.has(i.key))
        .sort((a, b) => applyRank(b.ref.kind) - applyRank(a.ref.kind));
    for (const item of created) {
        try {
            await ctx.api.remove(item.ref);
            item.report.result = appendResult(item.report.result, 'deleted (rolled back)');
            ctx.log(`${describeRef(item.ref)}: deleted (it did not exist before)`);
        }
        catch (error) {
            problems.push(`${describeRef(item.ref)}: ${errorText(error)}`);
        }
    }
}
/** Waits for the restored workloads to be healthy again. */
async function checkHealth(ctx, restored, problems) {
    const workloads = restored.filter((i) => isWorkload(i.ref));
    const health = await Promise.all(workloads.map(async (item) => {
        const live = await ctx.api.get(item.ref);
        if (!live)
            return undefined;
        const timeline = (entry) => void ctx.report.timeline.push(entry);
        return ctx.waitForRollout({
            api: ctx.api,
            workload: live,
            timeoutMs: ctx.options.timeoutMs,
            graceMs: ctx.options.failureGraceMs,
            clock: ctx.clock,
            log: ctx.log,
            timeline,
        });
    }));
    health.forEach((result, index) => {
        const item = workloads[index];
        if (!result)
            return;
        item.report.revision = result.revision;
        if (result.outcome !== 'complete')
            problems.push(`${describeRef(item.ref)} did not become healthy after the rollback: ${result.message}`);
    });
}
/** Why no rollback happens, when none does. */
function noRollback(ctx, state, failure) {
    for (const item of state.changing)
        if (item.report.result === 'not applied')
            item.report.result = 'skipped';
    return fail(ctx.report, state.applied.length === 0
        ? `${failure}\nNothing was applied.`
        : `${failure}\nrollback-on-failure is false: the cluster is left as it is now. The backup is ${ctx.report.backupFile}.`);
}
async function rollback(ctx, state) {
    const { report } = ctx;
    const failure = state.failure ?? 'the deploy failed';
    if (!ctx.options.rollbackOnFailure || state.applied.length === 0)
        noRollback(ctx, state, failure);
    report.rollbackStartedAt = ctx.clock();
    ctx.mark('rollback started');
    const problems = [];
    await ctx.phase('Roll back', async () => {
        const restored = await restoreChanged(ctx, state, problems);
        await deleteCreated(ctx, state, problems);
        await checkHealth(ctx, restored, problems);
        report.rollbackDoneAt = ctx.clock();
        ctx.mark(problems.length === 0 ? 'rollback complete and healthy' : 'rollback incomplete');
    });
    if (state.firstWorkload)
        report.revision = workloadRevision(await ctx.api.get(state.firstWorkload.ref).catch(() => undefined));
    if (problems.length > 0)
        fail(report, `${failure}\nThe rollback did not fully succeed:\n  ${problems.join('\n  ')}\nThe backup is ${report.backupFile}.`);
    report.status = 'rolled-back';
    report.failure = `${failure}\nRolled back: every changed object was restored from the backup taken before the deploy and new objects were deleted.`;
    throw new DeployError(report.failure, report);
}

;// CONCATENATED MODULE: ./src/phases/watch.ts
/**
 * Phase 6, watch: follows the rollout of every workload apply changed, all
 * at once. One failing workload is enough to roll back, so the others stop
 * being waited for then.
 */

function earliest(values) {
    const known = values.filter((t) => t !== undefined);
    return known.length > 0 ? Math.min(...known) : undefined;
}
/** Records the failed rollouts in the report and the log; returns the failure text. */
function recordFailure(ctx, bad) {
    const { report } = ctx;
    const failure = bad.map((r) => r.message).join('; ');
    report.failingPods = bad.flatMap((r) => r.failingPods);
    report.workloadEvents = bad.flatMap((r) => r.workloadEvents);
    const firstSignalAt = earliest(bad.map((r) => r.firstSignalAt));
    if (firstSignalAt !== undefined)
        report.firstSignalAt = firstSignalAt;
    const detectedAt = earliest(bad.map((r) => r.detectedAt));
    if (detectedAt !== undefined)
        report.detectedAt = detectedAt;
    ctx.log(`Rollout failed: ${failure}`);
    for (const pod of report.failingPods) {
        ctx.log(`  pod ${pod.pod}: ${pod.reason}${pod.container ? ` (container ${pod.container})` : ''}: ${pod.message}`);
        for (const event of pod.events)
            ctx.log(`    event: ${event}`);
    }
    return failure;
}
async function followAll(ctx, workloads) {
    const { options } = ctx;
    const stop = new AbortController();
    return Promise.all(workloads.map(async (item) => {
        const result = await ctx.waitForRollout({
            api: ctx.api,
            workload: item.applied,
            timeoutMs: options.timeoutMs,
            graceMs: options.failureGraceMs,
            settleMs: options.settleMs,
            clock: ctx.clock,
            log: ctx.log,
            timeline: (entry) => void ctx.report.timeline.push(entry),
            signal: stop.signal,
        });
        if (result.outcome !== 'complete')
            stop.abort();
        return result;
    }));
}
async function watch(ctx, state) {
    const workloads = state.applied.filter((i) => isWorkload(i.ref));
    if (state.failure || !ctx.options.wait || workloads.length === 0)
        return state;
    const failure = await ctx.phase('Wait for rollout', async () => {
        const rollout = await followAll(ctx, workloads);
        rollout.forEach((result, index) => {
            const item = workloads[index];
            item.report.result =
                result.outcome === 'complete' ? 'ready' : `${result.outcome}: ${result.reason ?? result.message}`;
            item.report.revision = result.revision;
            if (result.outcome !== 'complete' && item.ref.kind === 'StatefulSet')
                item.failedRevision = result.revision;
        });
        const bad = rollout.filter((r) => r.outcome !== 'complete' && r.outcome !== 'stopped');
        return bad.length > 0 ? recordFailure(ctx, bad) : undefined;
    });
    return { ...state, failure };
}

;// CONCATENATED MODULE: ./src/deploy.ts
/**
 * The deploy as a list of phases, each a module under phases/ that takes the
 * state the previous one returned. Talks to the cluster only through
 * KubeApi, so it runs the same against a fake in tests and the real API
 * server in the end-to-end tests.
 */










/** Resolves with the report when the deploy succeeded; otherwise throws a DeployError carrying it. */
async function deploy(options) {
    const ctx = phaseContext(options);
    const prepared = await prepare(ctx);
    try {
        const validated = await validate(ctx, await lock(ctx, prepared));
        if (options.dryRun)
            return dryRunDone(ctx, validated);
        if (validated.changing.length === 0)
            return nothingToChange(ctx, validated);
        const applied = await watch(ctx, await apply(ctx, await backup(ctx, validated)));
        if (!applied.failure)
            return await deployed(ctx, applied);
        return await rollback(ctx, applied);
    }
    finally {
        await ctx.cleanup.run();
    }
}

;// CONCATENATED MODULE: ../../packages/action-kit/src/kube/kubeconfig.ts
/**
 * Kubeconfig handling that needs no cluster: decoding the input (raw YAML or
 * base64), checking its shape, and finding every secret value inside it so
 * that all of them can be masked. Error messages never include the text.
 */





const kubeconfig_ACCEPTED = 'a kubeconfig as raw YAML or base64, with clusters, users and contexts (the value is not shown because it is secret)';
class KubeconfigError extends errors_ActionError {
    name = 'KubeconfigError';
    constructor(source, problem) {
        super(`${source} is not a usable kubeconfig: ${problem}. Expected ${kubeconfig_ACCEPTED}.`);
    }
}
const BASE64 = /^[A-Za-z0-9+/=\s_-]+$/;
/** Decodes the `kubeconfig` input; throws KubeconfigError (never echoing the value). */
function decodeKubeconfig(raw, source = "Input 'kubeconfig'") {
    const original = raw;
    const trimmed = raw.trim();
    if (trimmed === '')
        throw new KubeconfigError(source, 'it is empty');
    let text = trimmed;
    let encoding = 'yaml';
    if (!trimmed.includes(':') && BASE64.test(trimmed)) {
        const decoded = Buffer.from(trimmed.replace(/\s+/g, ''), trimmed.includes('-') || trimmed.includes('_') ? 'base64url' : 'base64').toString('utf8');
        if (!decoded.includes(':'))
            throw new KubeconfigError(source, 'it looks like base64 but does not decode to YAML');
        text = decoded;
        encoding = 'base64';
    }
    checkShape(text, source);
    return { text, original, encoding };
}
const nameOf = (entry) => typeof entry.name === 'string' || typeof entry.name === 'number' ? String(entry.name) : '';
/** Checks that the YAML is a kubeconfig with at least one cluster and context. */
function checkShape(text, source) {
    let doc;
    try {
        doc = (0,dist/* parse */.qg)(text);
    }
    catch (error) {
        const where = error instanceof Error && 'linePos' in error ? lineOf(error) : '';
        throw new KubeconfigError(source, `it is not valid YAML${where}`);
    }
    if (!record_isRecord(doc))
        throw new KubeconfigError(source, 'it is not a YAML mapping');
    if (doc['kind'] !== undefined && doc['kind'] !== 'Config')
        throw new KubeconfigError(source, `its kind is ${JSON.stringify(doc['kind'])}, not Config`);
    const clusters = doc['clusters'];
    if (!Array.isArray(clusters) || clusters.length === 0)
        throw new KubeconfigError(source, 'it has no clusters');
    const contexts = doc['contexts'];
    if (!Array.isArray(contexts) || contexts.length === 0)
        throw new KubeconfigError(source, 'it has no contexts');
    for (const cluster of clusters) {
        const server = record_isRecord(cluster) && record_isRecord(cluster['cluster']) ? cluster['cluster']['server'] : undefined;
        const name = record_isRecord(cluster) ? nameOf(cluster) || '?' : '?';
        const problem = serverProblem(server);
        if (problem)
            throw new KubeconfigError(source, `cluster '${printable(name)}' ${problem}`);
    }
}
const shownServer = (server) => {
    const shown = printable(displayUrl(server));
    return shown.length > 200 ? `${shown.slice(0, 197)}...` : shown;
};
/** Why a cluster's server address is unusable, by the kit's one URL rule, or undefined when it is fine. */
function serverProblem(server) {
    if (typeof server !== 'string')
        return 'has no http(s) server address';
    try {
        parseHttpUrl('kubeconfig', server, { credentials: 'reject' });
        return undefined;
    }
    catch (error) {
        if (/user:password/.test(describeError(error))) {
            // The client refuses such a URL anyway; the credentials belong under users[].user.
            return `has user:password in its server address (${shownServer(server)}): put the credentials under users[].user (token, username/password or a client certificate)`;
        }
        return 'has no http(s) server address';
    }
}
function lineOf(error) {
    const pos = error.linePos?.[0];
    return pos ? ` (line ${pos.line})` : '';
}
/** Names of the contexts in a kubeconfig (not secret), for error messages. */
function contextNames(text) {
    const doc = parseYaml(text);
    if (!isRecord(doc) || !Array.isArray(doc['contexts']))
        return [];
    return doc['contexts']
        .map((c) => (isRecord(c) && typeof c['name'] === 'string' ? c['name'] : ''))
        .filter((n) => n !== '');
}
const SECRET_KEYS = new Set([
    'token',
    'password',
    'client-key-data',
    'client-certificate-data',
    'client-key',
    'id-token',
    'refresh-token',
    'access-token',
    'client-secret',
    'secret',
    'value',
]);
/**
 * Every secret-looking value in a kubeconfig: users' tokens, passwords,
 * client keys (and the decoded PEM of *-data fields), auth-provider config
 * and exec env values. Used to mask them one by one, in addition to the
 * whole text and its lines.
 */
function secretValues(text) {
    let doc;
    try {
        doc = (0,dist/* parse */.qg)(text);
    }
    catch {
        return [];
    }
    const found = new Set();
    const users = record_isRecord(doc) && Array.isArray(doc['users']) ? doc['users'] : [];
    const visit = (node, key) => {
        if (Array.isArray(node)) {
            for (const item of node)
                visit(item, key);
            return;
        }
        if (record_isRecord(node)) {
            for (const [k, v] of Object.entries(node))
                visit(v, k);
            return;
        }
        if (typeof node !== 'string' || key === undefined || node.length < 4)
            return;
        if (SECRET_KEYS.has(key) || key.endsWith('-token') || key.endsWith('-secret')) {
            found.add(node);
            if (key.endsWith('-data')) {
                const pem = Buffer.from(node, 'base64').toString('utf8');
                if (pem.includes('-----BEGIN'))
                    found.add(pem.trim());
            }
        }
    };
    for (const user of users)
        if (record_isRecord(user))
            visit(user['user'], undefined);
    return [...found];
}
/**
 * Every value to mask for a kubeconfig text (or input): as given, trimmed,
 * base64-decoded, and each secret inside. Works on values too broken to
 * use, so that even those never show.
 */
function kubeconfigMasks(raw) {
    const trimmed = raw.trim();
    if (trimmed === '')
        return [];
    const texts = [trimmed];
    // Node's base64 decoder reads the url-safe alphabet too.
    if (!trimmed.includes(':'))
        texts.push(Buffer.from(trimmed.replace(/\s+/g, ''), 'base64').toString('utf8'));
    return [...new Set([raw, ...texts, ...texts.flatMap((text) => secretValues(text))])];
}

;// CONCATENATED MODULE: ../../packages/action-kit/src/kube/service-ref.ts
/**
 * The one spelling of "which Service to reach": `namespace/name:port`, where
 * port is a Service port's number or name and may be left off (then its
 * `http` port, else its first TCP port). deploy-k8s writes it as its `service`
 * output; smoke-test reads it as its `service` input.
 */

const SERVICE_REF_ACCEPTED = 'namespace/name or namespace/name:port, such as shop/web:http or shop/web:8080 (a namespace and a Service name of lower-case letters, digits and "-", and a Service port number 1-65535 or its name)';
/** A DNS-1123 label: namespace names (at most 63 characters). */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** A DNS-1035 label: Service names start with a letter. */
const DNS_1035 = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** An IANA service name, as Kubernetes checks port names: 1-15 characters, a letter, no "--" and no "-" at either end. */
const PORT_NAME = /^(?=.*[a-z])(?!.*--)[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/;
/** `namespace/name[:port]`; throws InputError naming `input`, the value and the format. */
function parseServiceRef(input, raw) {
    const value = raw.trim();
    const match = /^([^/:\s]+)\/([^/:\s]+)(?::([^/:\s]+))?$/.exec(value);
    const [, namespace, name, port] = match ?? [];
    if (!namespace || !name || !DNS_LABEL.test(namespace) || !DNS_1035.test(name))
        throw new InputError(input, raw, SERVICE_REF_ACCEPTED);
    const ref = { namespace, name };
    if (port === undefined)
        return ref;
    if (/^\d+$/.test(port)) {
        const number = Number(port);
        if (number < 1 || number > 65535)
            throw new InputError(input, raw, SERVICE_REF_ACCEPTED);
        ref.port = number;
    }
    else if (PORT_NAME.test(port))
        ref.port = port;
    else
        throw new InputError(input, raw, SERVICE_REF_ACCEPTED);
    return ref;
}
function formatServiceRef(ref) {
    return `${ref.namespace}/${ref.name}${ref.port === undefined ? '' : `:${ref.port}`}`;
}

;// CONCATENATED MODULE: ../../packages/action-kit/src/kube/service-pick.ts
/**
 * Which Service fronts a deployment, and which pod and port a connection to
 * it reaches: pure rules over plain shapes of the live objects, shared by
 * deploy-k8s (its `service` output), smoke-test (the port-forward) and the
 * local runner.
 */

const WORKLOADS = ['Deployment', 'StatefulSet', 'DaemonSet'];
/** `ghcr.io/o/r@sha256:…` and `ghcr.io/o/r:tag` name the repository `ghcr.io/o/r`. */
const repositoryOf = (ref) => ref.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
/** The workload that runs the deployed image: by reference, else by repository (the only workload when it is alone). */
function deployedWorkload(resources, image) {
    const workloads = resources.filter((r) => WORKLOADS.includes(r.kind));
    return (workloads.find((w) => w.newImages.includes(image)) ??
        workloads.find((w) => w.newImages.some((i) => repositoryOf(i) === repositoryOf(image))) ??
        (workloads.length === 1 ? workloads[0] : undefined));
}
const isTcp = (port) => (port.protocol ?? 'TCP') === 'TCP';
/** A Service's `http` port, else its first TCP port. */
function defaultPort(service) {
    const tcp = service.ports.filter(isTcp);
    return tcp.find((p) => p.name === 'http') ?? tcp[0];
}
/** The Service whose selector picks the workload's pods; its `http` port, else its first TCP port. */
function pickService(podLabels, services) {
    const matching = services.filter((s) => Object.keys(s.selector).length > 0 && Object.entries(s.selector).every(([k, v]) => podLabels[k] === v));
    for (const service of matching) {
        const port = defaultPort(service);
        if (port)
            return { service, port: port.port };
    }
    return undefined;
}
/** Why a Service cannot be reached; the message is written for the log. */
class UnreachableServiceError extends (/* unused pure expression or super */ null && (ActionError)) {
    name = 'UnreachableServiceError';
}
const describe = (ref) => `Service ${ref.namespace}/${ref.name}`;
/** The Service port the ref names (number or name), or its default port. */
function servicePortOf(service, ref) {
    const ports = service.ports.filter(isTcp);
    const listed = ports.map((p) => (p.name ? `${p.port} (${p.name})` : String(p.port))).join(', ') || 'none';
    if (ref.port === undefined) {
        const port = defaultPort(service);
        if (!port)
            throw new UnreachableServiceError(`${describe(ref)} has no TCP port to reach`);
        return port;
    }
    const port = ports.find((p) => (typeof ref.port === 'number' ? p.port === ref.port : p.name === ref.port));
    if (!port)
        throw new UnreachableServiceError(`${describe(ref)} has no TCP port ${String(ref.port)}; its TCP ports: ${listed}`);
    return port;
}
/** The pod's port a Service port forwards to: its numeric targetPort, the container port of that name, or port itself. */
function podPortOf(servicePort, pod) {
    const target = servicePort.targetPort ?? servicePort.port;
    if (typeof target === 'number')
        return target;
    if (/^\d+$/.test(target))
        return Number(target);
    return pod.containerPorts.find((c) => c.name === target && isTcp(c))?.containerPort;
}
/**
 * A ready pod behind the Service and the port on it, preferring pods not in
 * `avoid` (those whose forward just failed, such as a pod a rollout is
 * replacing). Throws UnreachableServiceError saying what is missing.
 */
function resolveForward(ref, service, pods, avoid = new Set()) {
    if (Object.keys(service.selector).length === 0)
        throw new UnreachableServiceError(`${describe(ref)} has no selector, so no pod is behind it to forward to (a Service with manual Endpoints cannot be reached through a pod port-forward)`);
    const servicePort = servicePortOf(service, ref);
    const selector = Object.entries(service.selector)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
    const ready = pods.filter((p) => p.ready);
    if (ready.length === 0)
        throw new UnreachableServiceError(pods.length === 0
            ? `${describe(ref)} selects no pod (selector ${selector})`
            : `${describe(ref)} has no ready pod: ${pods.length} pod(s) match its selector ${selector}, none of them Ready`);
    const ordered = [...ready.filter((p) => !avoid.has(p.name)), ...ready.filter((p) => avoid.has(p.name))];
    for (const pod of ordered) {
        const podPort = podPortOf(servicePort, pod);
        if (podPort !== undefined)
            return { pod: pod.name, podPort, servicePort };
    }
    throw new UnreachableServiceError(`${describe(ref)} port ${servicePort.port} targets the container port named "${String(servicePort.targetPort)}", which no ready pod behind it declares`);
}
/** The plain shapes above from a Service and a Pod as the API returns them (JSON). */
function liveService(object) {
    const o = (object ?? {});
    return {
        name: o.metadata?.name ?? '',
        namespace: o.metadata?.namespace ?? '',
        selector: o.spec?.selector ?? {},
        ports: (o.spec?.ports ?? []).map((p) => ({
            port: p.port,
            ...(p.name ? { name: p.name } : {}),
            ...(p.protocol ? { protocol: p.protocol } : {}),
            ...(p.targetPort !== undefined ? { targetPort: p.targetPort } : {}),
        })),
    };
}
function livePod(object) {
    const o = (object ?? {});
    const ready = o.metadata?.deletionTimestamp == null &&
        o.status?.phase === 'Running' &&
        (o.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
    return {
        name: o.metadata?.name ?? '',
        ready,
        containerPorts: (o.spec?.containers ?? []).flatMap((c) => c.ports ?? []),
    };
}

;// CONCATENATED MODULE: ../../packages/action-kit/src/kube/index.ts
/**
 * `@pipeline/action-kit/kube`: what more than one action needs about a
 * cluster without talking to it: the kubeconfig input (decoding, shape,
 * every secret in it to mask), the `namespace/name:port` Service reference,
 * and the rules that pick the Service in front of a deployment and the pod
 * and port a connection to it reaches. Pure; the API calls stay with each action.
 */




;// CONCATENATED MODULE: ./src/generated-inputs.ts
/**
 * The inputs for manifests generated when a service has none
 * (generate-manifests: when-missing). Pure: parseGenerateInputs reads them
 * through the action's one reader.
 */

const GENERATE_POLICIES = ['never', 'when-missing'];
const PROFILES = ['staging', 'production'];
const generated_inputs_DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/;
const HTTP_PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*$/;
function quantity(read, name, fallback) {
    const value = read(name).trim();
    if (value === '')
        return fallback;
    if (!QUANTITY.test(value))
        throw new errors_InputError(name, value, 'a Kubernetes quantity such as 100m, 0.5, 128Mi or 1Gi');
    return value;
}
function httpPath(read, name) {
    const value = read(name).trim();
    if (value === '')
        return undefined;
    if (!HTTP_PATH.test(value) || value.length > 1024)
        throw new errors_InputError(name, value, 'an HTTP path starting with / (empty: a TCP probe on the port)');
    return value;
}
function parseGenerateInputs(read) {
    const policy = parseEnum('generate-manifests', read('generate-manifests'), GENERATE_POLICIES, 'never');
    const appName = read('app-name').trim();
    if (appName !== '' && (!generated_inputs_DNS_LABEL.test(appName) || appName.length > 63))
        throw new errors_InputError('app-name', appName, 'a DNS label: lowercase letters, digits and -, at most 63 characters');
    const production = parseEnum('generated-profile', read('generated-profile'), PROFILES, 'staging') === 'production';
    const runAsUser = read('run-as-user').trim();
    return Object.freeze({
        policy,
        appName: appName || undefined,
        port: parseInteger('port', read('port'), { min: 1, max: 65535 }, 3000),
        replicas: parseInteger('replicas', read('replicas'), { min: 1, max: 1000 }, production ? 2 : 1),
        readinessPath: httpPath(read, 'readiness-path'),
        livenessPath: httpPath(read, 'liveness-path'),
        cpuRequest: quantity(read, 'cpu-request', '100m'),
        memoryRequest: quantity(read, 'memory-request', '128Mi'),
        cpuLimit: quantity(read, 'cpu-limit', undefined),
        memoryLimit: quantity(read, 'memory-limit', '512Mi'),
        production,
        readOnlyRootFilesystem: parseBoolean('read-only-root-filesystem', read('read-only-root-filesystem'), true),
        runAsUser: runAsUser === '' ? undefined : parseInteger('run-as-user', runAsUser, { min: 1, max: 2147483647 }),
    });
}

;// CONCATENATED MODULE: ../../packages/action-kit/src/checks/model.ts
const CHECK_KEYS = [
    'name',
    'method',
    'path',
    'headers',
    'body',
    'status',
    'contains',
    'json',
    'graphql',
    'allow-errors',
    'load',
    'promql',
    'threshold',
];
const GRAPHQL_KEYS = ['query', 'variables', 'operationName'];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
/** Headers the HTTP client manages itself (connection handling and framing): setting them would break keep-alive or the body. */
const MANAGED_HEADERS = [
    'connection',
    'content-length',
    'expect',
    'host',
    'keep-alive',
    'proxy-connection',
    'te',
    'trailer',
    'transfer-encoding',
    'upgrade',
];

;// CONCATENATED MODULE: ../../packages/action-kit/src/checks/jsonpath.ts
/**
 * A small JSON path evaluator for check expectations such as
 * `data.books[0].id`. Accepted syntax (documented in the README):
 *
 *   data.books[0].id        dot names and bracketed indexes
 *   data.books.0.id         a numeric dot segment indexes an array (handy inside YAML `{ }`)
 *   data.books[-1].id       a negative index counts from the end
 *   data["odd.key"]['x y']  quoted names for keys with dots, spaces or brackets
 *   $.data.books[0]         an optional leading `$` (JSONPath style)
 *
 * There are no wildcards, filters or script expressions: a path names exactly
 * one value, so a failed expectation can say exactly where it stopped.
 */

class PathSyntaxError extends Error {
    name = 'PathSyntaxError';
}
const NAME = /[^.[\]\s"']/;
function jsonpath_parsePath(path) {
    const text = path.trim();
    if (text === '')
        throw new PathSyntaxError('the path is empty');
    const segments = [];
    let i = 0;
    if (text[0] === '$') {
        i = 1;
        if (i < text.length && text[i] !== '.' && text[i] !== '[')
            throw new PathSyntaxError(`unexpected ${JSON.stringify(text[i])} after '$' at position ${i}`);
        if (text[i] === '.')
            i++;
        if (i >= text.length)
            return segments;
    }
    let expectName = true; // at the start or after a dot, a name must follow
    while (i < text.length) {
        const ch = text[i];
        if (ch === '[') {
            const close = findClose(text, i);
            segments.push(parseBracket(text.slice(i + 1, close), i));
            i = close + 1;
            expectName = false;
            continue;
        }
        if (ch === '.') {
            if (expectName)
                throw new PathSyntaxError(`empty name at position ${i}`);
            i++;
            expectName = true;
            if (i >= text.length)
                throw new PathSyntaxError('the path ends with a dot');
            continue;
        }
        if (!expectName)
            throw new PathSyntaxError(`expected '.' or '[' at position ${i}, found ${JSON.stringify(ch)}`);
        let end = i;
        while (end < text.length && NAME.test(text[end]))
            end++;
        if (end === i)
            throw new PathSyntaxError(`unexpected ${JSON.stringify(ch)} at position ${i}`);
        const name = text.slice(i, end);
        segments.push(/^\d+$/.test(name) ? { kind: 'name-or-index', key: name, index: Number(name) } : { kind: 'key', key: name });
        i = end;
        expectName = false;
    }
    return segments;
}
function findClose(text, open) {
    const quote = text[open + 1];
    if (quote === '"' || quote === "'") {
        for (let j = open + 2; j < text.length; j++) {
            if (text[j] === '\\') {
                j++;
                continue;
            }
            if (text[j] === quote) {
                if (text[j + 1] !== ']')
                    throw new PathSyntaxError(`expected ']' after the quoted name at position ${j + 1}`);
                return j + 1;
            }
        }
        throw new PathSyntaxError(`unterminated quoted name starting at position ${open + 1}`);
    }
    const close = text.indexOf(']', open);
    if (close < 0)
        throw new PathSyntaxError(`missing ']' for the '[' at position ${open}`);
    return close;
}
function parseBracket(inner, position) {
    const trimmed = inner.trim();
    if (/^-?\d+$/.test(trimmed))
        return { kind: 'index', index: Number(trimmed) };
    const quote = trimmed[0];
    if ((quote === '"' || quote === "'") && trimmed.endsWith(quote) && trimmed.length >= 2) {
        const body = trimmed.slice(1, -1).replace(/\\(.)/g, '$1');
        return { kind: 'key', key: body };
    }
    throw new PathSyntaxError(`[${inner}] at position ${position} is neither an index like [0] nor a quoted name like ["key"]`);
}
function formatPath(segments) {
    let out = '';
    for (const segment of segments) {
        if (segment.kind === 'index')
            out += `[${segment.index}]`;
        else if (segment.kind === 'name-or-index')
            out += `${out === '' ? '' : '.'}${segment.key}`;
        else if (/^[A-Za-z_$][\w$-]*$/.test(segment.key))
            out += `${out === '' ? '' : '.'}${segment.key}`;
        else
            out += `[${JSON.stringify(segment.key)}]`;
    }
    return out === '' ? '$' : out;
}
/** Follows `segments` into `root`; when a step fails, says where and why. */
function evaluatePath(root, segments) {
    let current = root;
    for (let n = 0; n < segments.length; n++) {
        const segment = segments[n];
        const at = formatPath(segments.slice(0, n));
        if (Array.isArray(current)) {
            if (segment.kind === 'key')
                return {
                    found: false,
                    at,
                    reason: `${at} is an array (${current.length} items), not an object with key ${JSON.stringify(segment.key)}`,
                };
            const index = segment.index < 0 ? current.length + segment.index : segment.index;
            if (index < 0 || index >= current.length) {
                return {
                    found: false,
                    at,
                    reason: `${at} has ${plural_plural(current.length, 'item')}, so index ${segment.index} does not exist`,
                };
            }
            current = current[index];
            continue;
        }
        if (current !== null && typeof current === 'object') {
            if (segment.kind === 'index')
                return { found: false, at, reason: `${at} is an object, not an array (index ${segment.index})` };
            if (!Object.prototype.hasOwnProperty.call(current, segment.key)) {
                const keys = Object.keys(current);
                const shown = keys
                    .slice(0, 10)
                    .map((k) => JSON.stringify(k))
                    .join(', ');
                return {
                    found: false,
                    at,
                    reason: `${at} has no key ${JSON.stringify(segment.key)} (keys: ${keys.length === 0 ? 'none' : shown}${keys.length > 10 ? ', ...' : ''})`,
                };
            }
            current = current[segment.key];
            continue;
        }
        return {
            found: false,
            at,
            reason: `${at} is ${describeType(current)}, so it has no ${segment.kind === 'index' ? `index ${segment.index}` : `key ${JSON.stringify(segment.key)}`}`,
        };
    }
    return { found: true, value: current };
}
function describeType(value) {
    if (value === null)
        return 'null';
    if (Array.isArray(value))
        return 'an array';
    if (typeof value === 'object')
        return 'an object';
    return `a ${typeof value}`;
}

;// CONCATENATED MODULE: ../../packages/action-kit/src/checks/fields.ts
/**
 * Validators for the individual fields of a check. Each reports its problems
 * through `problem` (which names the check and the field) and returns the
 * parsed value, or a fallback when the value is invalid.
 */




/** Describes a value's YAML kind for a problem message. */
function kind(value) {
    if (value === null)
        return 'null';
    if (Array.isArray(value))
        return 'a list';
    if (typeof value === 'object')
        return 'a mapping';
    return `a ${typeof value} (${JSON.stringify(value)})`;
}
/** The HTTP method: POST for a GraphQL check and GET otherwise unless set; a GraphQL check accepts only GET or POST. */
function validateMethod(value, isGraphql, problem) {
    let method = isGraphql ? 'POST' : 'GET';
    if (value !== undefined) {
        if (typeof value !== 'string' || !METHODS.includes(value.trim().toUpperCase()))
            problem('method', `must be one of ${METHODS.join(', ')}, got ${kind(value)}`);
        else
            method = value.trim().toUpperCase();
    }
    if (isGraphql && method !== 'GET' && method !== 'POST')
        problem('method', `must be POST (default) or GET for a GraphQL check, got ${method}`);
    return method;
}
function validatePath(value, fallback, problem) {
    if (value === undefined)
        return fallback;
    if (typeof value !== 'string')
        problem('path', `must be a string such as /health/ready, got ${kind(value)}`);
    else if (/^[a-z][a-z0-9+.-]*:/i.test(value.trim()) || value.trim().startsWith('//'))
        problem('path', `must be a path joined to 'url' (such as /health/ready), not an absolute URL: ${JSON.stringify(value)} (headers could be sent to another host)`);
    else if (/\s/.test(value.trim()))
        problem('path', `must not contain spaces (percent-encode them): ${JSON.stringify(value)}`);
    else
        return value.trim();
    return fallback;
}
function validateHeaders(value, problem) {
    const headers = {};
    if (value === undefined)
        return headers;
    if (!record_isRecord(value)) {
        problem('headers', `must be a mapping of header names to values, got ${kind(value)}`);
        return headers;
    }
    for (const [name, v] of Object.entries(value)) {
        if (!isHeaderName(name))
            problem('headers', `has an invalid header name ${JSON.stringify(name)}`);
        else if (MANAGED_HEADERS.includes(name.toLowerCase()))
            problem('headers', `cannot set ${name}: the HTTP client manages ${MANAGED_HEADERS.join(', ')}`);
        else if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
            problem('headers', `value of ${name} must be a string, got ${kind(v)}`);
        else {
            const wrong = headerValueProblem(String(v));
            if (wrong)
                problem('headers', `value of ${name} ${wrong}: ${HEADER_VALUE_ACCEPTED} are accepted`);
            else
                headers[name] = String(v);
        }
    }
    return headers;
}
/** Whether `headers` has `name` in any letter case. */
function hasHeader(headers, name) {
    return Object.keys(headers).some((n) => n.toLowerCase() === name);
}
/**
 * The body to send, serialised: a string as is, a mapping or list as JSON
 * (adding `content-type: application/json` to `headers` unless one is set).
 */
function validateBody(value, context, problem) {
    if (value === undefined)
        return undefined;
    let body;
    if (context.isGraphql)
        problem('body', 'cannot be combined with graphql (the GraphQL request is the body)');
    else if (typeof value === 'string')
        body = value;
    else if (value !== null && typeof value === 'object') {
        body = JSON.stringify(value);
        if (!hasHeader(context.headers, 'content-type'))
            context.headers['content-type'] = 'application/json';
    }
    else
        problem('body', `must be a string or a mapping/list (sent as JSON), got ${kind(value)}`);
    if (body !== undefined && (context.method === 'GET' || context.method === 'HEAD'))
        problem('body', `cannot be sent with ${context.method}; set method: POST (or PUT, PATCH, DELETE)`);
    return body;
}
function validateGraphql(value, problem) {
    if (value === undefined)
        return undefined;
    if (!record_isRecord(value)) {
        problem('graphql', `must be a mapping with query (and optionally variables, operationName), got ${kind(value)}`);
        return undefined;
    }
    let ok = true;
    for (const key of Object.keys(value)) {
        if (!GRAPHQL_KEYS.includes(key)) {
            problem('graphql', `has an unknown key '${key}'; accepted keys: ${GRAPHQL_KEYS.join(', ')}`);
            ok = false;
        }
    }
    const query = value['query'];
    if (typeof query !== 'string' || query.trim() === '') {
        problem('graphql.query', `is required (a GraphQL document such as "{ books(first: 1) { id } }"), got ${kind(query)}`);
        ok = false;
    }
    const variables = value['variables'];
    if (variables !== undefined && !record_isRecord(variables)) {
        problem('graphql.variables', `must be a mapping of variable names to values, got ${kind(variables)}`);
        ok = false;
    }
    const operationName = value['operationName'];
    if (operationName !== undefined && (typeof operationName !== 'string' || operationName.trim() === '')) {
        problem('graphql.operationName', `must be a non-empty string, got ${kind(operationName)}`);
        ok = false;
    }
    if (!ok)
        return undefined;
    const request = { query: query };
    if (variables !== undefined)
        request.variables = variables;
    if (operationName !== undefined)
        request.operationName = operationName;
    return request;
}
function validateStatus(value, problem) {
    if (value === undefined)
        return [{ code: 200 }];
    const items = Array.isArray(value) ? value : [value];
    const accepted = 'an HTTP status code (100-599), a class such as 2xx, or a list of them';
    if (items.length === 0) {
        problem('status', `must be ${accepted}, got an empty list`);
        return [];
    }
    const matchers = [];
    for (const item of items) {
        if (typeof item === 'number' && Number.isInteger(item) && item >= 100 && item <= 599)
            matchers.push({ code: item });
        else if (typeof item === 'string' && /^\d{3}$/.test(item.trim()) && Number(item) >= 100 && Number(item) <= 599)
            matchers.push({ code: Number(item) });
        else if (typeof item === 'string' && /^[1-5]xx$/i.test(item.trim()))
            matchers.push({ class: Number(item.trim()[0]) });
        else
            problem('status', `must be ${accepted}, got ${kind(item)}`);
    }
    return matchers;
}
function validateContains(value, problem) {
    if (value === undefined)
        return [];
    const items = Array.isArray(value) ? value : [value];
    const result = [];
    for (const item of items) {
        if (typeof item === 'string' && item !== '')
            result.push(item);
        else if (typeof item === 'number' || typeof item === 'boolean')
            result.push(String(item));
        else
            problem('contains', `must be a non-empty string (or a list of them) to find in the body, got ${kind(item)}`);
    }
    return result;
}
function validateJson(value, problem) {
    if (value === undefined)
        return [];
    if (!record_isRecord(value)) {
        problem('json', `must be a mapping from a JSON path (such as data.books[0].id) to the expected value, got ${kind(value)}`);
        return [];
    }
    const result = [];
    for (const [path, expected] of Object.entries(value)) {
        try {
            result.push({ path, segments: jsonpath_parsePath(path), expected });
        }
        catch (error) {
            if (!(error instanceof PathSyntaxError))
                throw error;
            problem('json', `has an invalid path ${JSON.stringify(path)}: ${error.message}`);
        }
    }
    return result;
}
/** `allow-errors`: a boolean, and only for GraphQL checks (default false). */
function validateAllowErrors(value, isGraphql, problem) {
    if (value === undefined)
        return false;
    if (typeof value !== 'boolean')
        problem('allow-errors', `must be true or false, got ${kind(value)}`);
    else if (!isGraphql)
        problem('allow-errors', 'only applies to GraphQL checks (with graphql:)');
    else
        return value;
    return false;
}
/** `load`: whether the load phase replays the check (default true). */
function validateLoad(value, problem) {
    if (value === undefined)
        return true;
    if (typeof value !== 'boolean') {
        problem('load', `must be true or false, got ${kind(value)}`);
        return true;
    }
    return value;
}

;// CONCATENATED MODULE: ../../packages/action-kit/src/checks/threshold.ts
/**
 * A `promql` check's own fields: the query and the threshold every sample of
 * its answer must meet (`< 0.01`, `== 1`). Running the query is the caller's
 * (smoke-test sends it to `prometheus-url`).
 */
const OPERATORS = ['<=', '>=', '==', '!=', '<', '>'];
/** The only fields a promql check accepts. */
const PROMQL_CHECK_KEYS = ['name', 'promql', 'threshold', 'headers'];
/** `< 0.01`, `== 1`, `>= 3` (the number as PromQL writes it: 1e-3, +Inf and NaN too). */
function parseThreshold(raw) {
    const accepted = `an operator (${OPERATORS.join(' ')}) and a number, such as "< 0.01" or "== 1"`;
    if (typeof raw === 'number')
        return { op: '==', value: raw };
    if (typeof raw !== 'string')
        return `must be ${accepted}, got ${raw === undefined ? 'nothing' : typeof raw}`;
    const m = /^\s*(<=|>=|==|!=|<|>)\s*(\S+)\s*$/.exec(raw);
    const value = m ? promNumber(m[2]) : undefined;
    if (!m || value === undefined)
        return `must be ${accepted}, got ${JSON.stringify(raw)}`;
    return { op: m[1], value };
}
function promNumber(text) {
    if (/^[+-]?inf$/i.test(text))
        return text.startsWith('-') ? -Infinity : Infinity;
    if (/^nan$/i.test(text))
        return NaN;
    const n = Number(text);
    return text.trim() !== '' && !Number.isNaN(n) ? n : undefined;
}
function meets(sample, { op, value }) {
    switch (op) {
        case '<':
            return sample < value;
        case '<=':
            return sample <= value;
        case '>':
            return sample > value;
        case '>=':
            return sample >= value;
        case '==':
            return sample === value;
        case '!=':
            return sample !== value;
    }
}
const describeThreshold = (t) => `${t.op} ${t.value}`;
/** Validates a promql check's own fields; pushes problems through `problem`, returns the query or undefined. */
function validatePromql(item, problem) {
    const query = item['promql'];
    const ok = typeof query === 'string' && query.trim() !== '';
    if (!ok)
        problem('promql', 'must be a non-empty PromQL expression');
    const threshold = parseThreshold(item['threshold']);
    if (typeof threshold === 'string')
        problem('threshold', threshold);
    for (const key of Object.keys(item))
        if (!PROMQL_CHECK_KEYS.includes(key))
            problem(key, `does not apply to a promql check (it accepts ${PROMQL_CHECK_KEYS.join(', ')})`);
    return ok && typeof threshold !== 'string' ? { query: query.trim(), threshold } : undefined;
}

;// CONCATENATED MODULE: ../../packages/action-kit/src/checks/validation.ts
/**
 * Validating a `checks` list (already parsed from YAML) into `Check`s: every
 * problem is collected (naming the check and the field) rather than stopping
 * at the first.
 */




/**
 * Validates every item of a `checks` list, appending to `problems` (each names
 * the check and the field); a name used twice is a problem too.
 */
function validateCheckList(items, problems) {
    const checks = [];
    const seen = new Map();
    items.forEach((item, index) => {
        const check = validateCheck(item, index, problems);
        if (!check)
            return;
        const first = seen.get(check.name);
        if (first !== undefined)
            problems.push(`checks[${index}] ("${check.name}"): name must be unique; checks[${first}] has the same name`);
        else
            seen.set(check.name, index);
        checks.push(check);
    });
    return checks;
}
/** Validates `checks[index]`, appending to `problems`; undefined when the item has any problem. */
function validateCheck(item, index, problems) {
    if (!record_isRecord(item)) {
        problems.push(`checks[${index}]: each check must be a mapping with at least a name, got ${kind(item)}`);
        return undefined;
    }
    const rawName = item['name'];
    const name = typeof rawName === 'string' && rawName.trim() !== '' ? rawName.trim() : undefined;
    const label = name !== undefined ? `checks[${index}] ("${name}")` : `checks[${index}]`;
    const before = problems.length;
    const problem = (field, message) => {
        problems.push(`${label}: field '${field}' ${message}`);
    };
    if (name === undefined)
        problem('name', nameProblem(rawName));
    if (item['promql'] !== undefined || item['threshold'] !== undefined)
        return promqlCheck(item, name, problem, problems.length > before);
    for (const key of unknownKeys(item))
        problems.push(`${label}: unknown field '${key}'; accepted fields: ${CHECK_KEYS.join(', ')}`);
    const graphql = validateGraphql(item['graphql'], problem);
    const isGraphql = item['graphql'] !== undefined;
    const method = validateMethod(item['method'], isGraphql, problem);
    const path = validatePath(item['path'], isGraphql ? '/graphql' : '', problem);
    const headers = validateHeaders(item['headers'], problem);
    let body = validateBody(item['body'], { isGraphql, method, headers }, problem);
    const status = validateStatus(item['status'], problem);
    const contains = validateContains(item['contains'], problem);
    const json = validateJson(item['json'], problem);
    const allowErrors = validateAllowErrors(item['allow-errors'], isGraphql, problem);
    const load = validateLoad(item['load'], problem);
    if (problems.length > before || name === undefined)
        return undefined;
    if (graphql)
        body = prepareGraphqlRequest(graphql, method, headers) ?? body;
    const check = { name, method, path, headers, status, contains, json, allowErrors, load };
    if (body !== undefined)
        check.body = body;
    if (graphql)
        check.graphql = graphql;
    return check;
}
/** A promql check: its own fields only; never replayed by the load phase. */
function promqlCheck(item, name, problem, hadProblems) {
    const promql = validatePromql(item, problem);
    const headers = validateHeaders(item['headers'], problem);
    if (hadProblems || name === undefined || !promql)
        return undefined;
    return {
        name,
        method: 'GET',
        path: '',
        headers,
        status: [],
        contains: [],
        json: [],
        allowErrors: false,
        load: false,
        promql,
    };
}
function nameProblem(rawName) {
    return rawName === undefined
        ? 'is required (a unique, non-empty string)'
        : `must be a non-empty string, got ${kind(rawName)}`;
}
function unknownKeys(item) {
    return Object.keys(item).filter((key) => !CHECK_KEYS.includes(key));
}
/**
 * Sets the headers a GraphQL request needs (`accept`, and `content-type` for a
 * POST, unless set) and returns the POST body (undefined for a GET, whose
 * query travels in the URL).
 */
function prepareGraphqlRequest(graphql, method, headers) {
    let body;
    if (method === 'POST') {
        body = JSON.stringify(graphql);
        if (!hasHeader(headers, 'content-type'))
            headers['content-type'] = 'application/json';
    }
    if (!hasHeader(headers, 'accept'))
        headers['accept'] = 'application/json';
    return body;
}

;// CONCATENATED MODULE: ../../packages/action-kit/src/checks/url.ts
/** Joins a check path to the base URL, keeping the base URL's own path prefix and query. */
function joinUrl(base, path) {
    if (path === '')
        return new URL(base.href);
    const url = new URL(base.href);
    const [pathPart, query] = splitQuery(path);
    const prefix = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
    const suffix = pathPart === '' ? '' : pathPart.startsWith('/') ? pathPart : `/${pathPart}`;
    url.pathname = `${prefix}${suffix}` || '/';
    if (query !== undefined)
        url.search = query;
    url.hash = '';
    return url;
}
function splitQuery(path) {
    const q = path.indexOf('?');
    return q < 0 ? [path, undefined] : [path.slice(0, q), path.slice(q + 1)];
}
/** The URL a check requests: for a GraphQL GET, the query travels in the query string. */
function checkUrl(base, check) {
    const url = joinUrl(base, check.path);
    if (check.graphql && check.method === 'GET') {
        url.searchParams.set('query', check.graphql.query);
        if (check.graphql.variables)
            url.searchParams.set('variables', JSON.stringify(check.graphql.variables));
        if (check.graphql.operationName)
            url.searchParams.set('operationName', check.graphql.operationName);
    }
    return url;
}

;// CONCATENATED MODULE: ../../packages/action-kit/src/checks/status.ts
function statusMatches(matchers, status) {
    return matchers.some((m) => ('code' in m ? m.code === status : Math.floor(status / 100) === m.class));
}
function describeStatus(matchers) {
    const parts = matchers.map((m) => ('code' in m ? String(m.code) : `${m.class}xx`));
    return parts.length === 1 ? parts[0] : `one of ${parts.join(', ')}`;
}

;// CONCATENATED MODULE: ../../packages/action-kit/src/checks/text.ts
/** Small text helpers for failure messages: safe truncation and value rendering. */

/**
 * Cuts `text` to at most `max` characters without splitting a surrogate pair,
 * replaces control characters (other than newline and tab) so a hostile body
 * cannot inject workflow commands or terminal escapes, and says how much was cut.
 * The masked secrets (header values) are redacted first: a service echoing one
 * past the cut would otherwise leave its first half unmasked.
 */
function truncate(text, max) {
    let clean = '';
    for (const c of redaction_redact(text)) {
        const code = c.charCodeAt(0);
        clean +=
            (code < 0x20 && c !== '\n' && c !== '\t') || code === 0x7f ? `\\u${code.toString(16).padStart(4, '0')}` : c;
    }
    const points = Array.from(clean);
    if (points.length <= max)
        return clean;
    const cut = Math.max(0, max);
    return `${points.slice(0, cut).join('')}... (${points.length - cut} more characters)`;
}
/** One line for a log or table: newlines and runs of spaces collapse, `::` at a line start cannot become a workflow command. */
function oneLine(text, max) {
    return truncate(text.replace(/\s+/g, ' ').trim(), max);
}
/** Renders a JSON-ish value with its type, e.g. `"1" (string)`, `1 (number)`, `null`. */
function showValue(value, max = 200) {
    if (value === undefined)
        return '(nothing)';
    if (value === null)
        return 'null';
    const json = JSON.stringify(value);
    const type = Array.isArray(value) ? 'array' : typeof value;
    return `${truncate(json, max)} (${type})`;
}
/**
 * Type-aware deep equality over JSON values: `"1"` and `1` differ, key order
 * in objects does not matter, array order does.
 */
function jsonEqual(a, b) {
    if (a === b)
        return true;
    if (typeof a !== typeof b || a === null || b === null)
        return false;
    if (typeof a === 'number' && typeof b === 'number')
        return Number.isNaN(a) && Number.isNaN(b);
    if (typeof a !== 'object')
        return false;
    if (Array.isArray(a) !== Array.isArray(b))
        return false;
    if (Array.isArray(a) && Array.isArray(b))
        return a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
    const ao = a;
    const bo = b;
    const keys = Object.keys(ao);
    if (keys.length !== Object.keys(bo).length)
        return false;
    return keys.every((key) => Object.prototype.hasOwnProperty.call(bo, key) && jsonEqual(ao[key], bo[key]));
}
/** A hint when the values would be equal but for their type ("1" vs 1, "true" vs true). */
function typeHint(expected, actual) {
    const scalar = (v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
    if (scalar(expected) && scalar(actual) && typeof expected !== typeof actual && String(expected) === String(actual)) {
        return ` (same text, different type: ${typeof expected === 'string' ? 'unquote' : 'quote'} the expected value in checks to compare as ${typeof actual})`;
    }
    return '';
}

;// CONCATENATED MODULE: ../../packages/action-kit/src/checks/evaluate.ts
/**
 * Judges one response against one check. Pure: every failure says what was
 * expected and what came back (status, JSON path and actual value, GraphQL
 * error messages), with body excerpts truncated.
 */




const EXCERPT_CHARS = 300;
const MESSAGE_CHARS = 500;
/** Returns the failures of `response` for `check` (an empty list means it passed). */
function evaluateResponse(check, response) {
    const failures = [];
    const excerpt = () => response.body === '' ? '(empty body)' : `body: ${oneLine(response.body, EXCERPT_CHARS)}`;
    if (!statusMatches(check.status, response.status)) {
        failures.push(`status: expected ${describeStatus(check.status)}, got ${response.status}; ${excerpt()}`);
    }
    for (const needle of check.contains) {
        if (!response.body.includes(needle)) {
            const cut = response.bodyTruncated ? ' (the body was cut at the read limit)' : '';
            failures.push(`contains: expected the body to contain ${JSON.stringify(oneLine(needle, 100))}${cut}; ${excerpt()}`);
        }
    }
    const needsJson = check.json.length > 0 || check.graphql !== undefined;
    if (!needsJson)
        return failures;
    let parsed;
    try {
        parsed = JSON.parse(response.body);
    }
    catch {
        const why = response.bodyTruncated ? 'the body was cut at the read limit' : 'the body is not JSON';
        failures.push(`json: expected a JSON body (${why}; content-type: ${response.headers['content-type'] ?? 'none'}); ${excerpt()}`);
        return failures;
    }
    if (check.graphql && !check.allowErrors) {
        const messages = graphqlErrors(parsed);
        if (messages.length > 0) {
            const shown = messages.slice(0, 5).map((m) => oneLine(m, 200));
            const more = messages.length > 5 ? ` and ${messages.length - 5} more` : '';
            failures.push(`graphql: expected no errors, got ${messages.length}: ${shown.join(' | ')}${more}`);
        }
        else if (!record_isRecord(parsed) || !('data' in parsed)) {
            failures.push(`graphql: expected a response with "data", got ${showValue(parsed, 200)}`);
        }
    }
    for (const expectation of check.json) {
        const result = evaluatePath(parsed, expectation.segments);
        if (!result.found) {
            failures.push(`json ${expectation.path}: expected ${showValue(expectation.expected)}, but the path does not exist: ${result.reason}`);
        }
        else if (!jsonEqual(result.value, expectation.expected)) {
            failures.push(`json ${expectation.path}: expected ${showValue(expectation.expected)}, got ${showValue(result.value)}${typeHint(expectation.expected, result.value)}`);
        }
    }
    return failures.map((f) => (f.length > MESSAGE_CHARS ? oneLine(f, MESSAGE_CHARS) : f));
}
/** The messages of a GraphQL response's `errors` entries (a non-list `errors` counts as one). */
function graphqlErrors(parsed) {
    if (!record_isRecord(parsed) || !('errors' in parsed) || parsed['errors'] === null || parsed['errors'] === undefined)
        return [];
    const errors = parsed['errors'];
    if (!Array.isArray(errors))
        return [`errors is not a list: ${JSON.stringify(errors)}`];
    return errors.map((error) => {
        if (record_isRecord(error) && typeof error['message'] === 'string') {
            const path = Array.isArray(error['path']) ? ` (at ${error['path'].map(String).join('.')})` : '';
            return `${error['message']}${path}`;
        }
        return JSON.stringify(error);
    });
}

;// CONCATENATED MODULE: ../../packages/action-kit/src/checks/index.ts
/**
 * `@pipeline/action-kit/checks`: the HTTP check format that smoke-test's
 * `checks` input and deploy-k8s's `canary-analysis` share (a public interface:
 * extend it, never rename a key). The model, the validation of a list (every
 * problem at once, naming the check and the field), the URL a check requests,
 * and the verdict on one answer. Pure; reading YAML and sending requests stay
 * with each action.
 */










;// CONCATENATED MODULE: ./src/analysis/checks.ts
/**
 * The analysis's HTTP checks: smoke-test's `checks` format, validated and
 * judged by the kit's model (`@pipeline/action-kit/checks`), so a check list
 * means, and is refused with, the same words in both actions. What is this
 * action's: checks go to a pod (a relative path is rooted at the pod), and
 * `promql` checks are not run here: the analysis's `metrics` are the place for
 * Prometheus queries, so a smoke-test list's promql checks are left out (the
 * pipeline passes the service's smoke checks as they are).
 */

/** The list (already YAML-parsed) into checks; problems are collected, not thrown. */
function parseCheckList(value, problems) {
    if (value === undefined || value === null)
        return [];
    if (!Array.isArray(value)) {
        problems.push(`'checks' must be a list of checks in smoke-test's format, got ${kind(value)}`);
        return [];
    }
    return validateCheckList(value, problems)
        .filter((check) => check.promql === undefined)
        .map((check) => ({ ...check, path: check.path.startsWith('/') ? check.path : `/${check.path}` }));
}
/** The path and query a check requests on the pod (a GraphQL GET carries its query in the URL). */
function requestPath(check) {
    const url = checkUrl(new URL('http://pod/'), check);
    return `${url.pathname}${url.search}`;
}
/** Why an answer fails the check (its first failure), or undefined when it passes. */
function checkAnswer(check, status, body) {
    return evaluateResponse(check, { status, headers: {}, body, bodyTruncated: false, durationMs: 0 })[0];
}

;// CONCATENATED MODULE: ./src/analysis/config.ts
/**
 * The `canary-analysis` input: YAML with smoke-test-format `checks`, the
 * budgets of the measured requests, and `metrics` (built-in ones read from
 * the pods, or Prometheus queries with thresholds). Every problem is
 * reported at once, naming the key. Pure.
 */





const BUILTIN_METRICS = ['error-rate', 'p95-ms', 'restarts'];

const ANALYSIS_KEYS = [
    'checks',
    'requests',
    'concurrency',
    'max-error-rate',
    'max-p95-ms',
    'tolerance',
    'prometheus-url',
    'metrics',
    'metrics-path',
    'metrics-port',
    'compare',
];
const DEFAULT_ANALYSIS = Object.freeze({
    checks: [],
    requests: 50,
    concurrency: 4,
    maxErrorRate: 0.01,
    maxP95Ms: undefined,
    tolerance: 0.2,
    prometheusUrl: undefined,
    metrics: [{ name: 'restarts', builtin: 'restarts', threshold: { op: '<=', value: 0 } }],
    metricsPath: '/metrics',
    metricsPort: undefined,
    compare: true,
});
/** `5%`, `0.05` or 0.05: a fraction from 0 to 1. */
function parseRate(value) {
    const text = String(value).trim();
    const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(text);
    if (!m)
        return undefined;
    const n = Number(m[1]) / (m[2] ? 100 : 1);
    return n >= 0 && n <= 1 ? n : undefined;
}
/** `< 0.05`, `<= 250`: an operator and a number (the kit's reading, as smoke-test's promql checks). */
function config_parseThreshold(value) {
    const parsed = typeof value === 'string' ? parseThreshold(value) : undefined;
    return typeof parsed === 'string' ? undefined : parsed;
}
function parseMetric(item, index, problems) {
    const where = `metrics[${index}]`;
    if (!record_isRecord(item))
        return void problems.push(`${where}: must be a mapping with a name`);
    const name = typeof item['name'] === 'string' ? item['name'].trim() : '';
    for (const key of Object.keys(item))
        if (!['name', 'query', 'threshold', 'max'].includes(key))
            problems.push(`${where}: unknown key '${key}'; accepted: name, query, threshold, max`);
    const raw = item['threshold'] ?? (item['max'] !== undefined ? `<= ${str(item['max'])}` : undefined);
    const threshold = raw === undefined ? undefined : config_parseThreshold(raw);
    if (!threshold)
        problems.push(`${where} (${name || 'unnamed'}): 'threshold' must be an operator (${OPERATORS.join(' ')}) and a number, e.g. "< 0.05" (or 'max: <number>')`);
    if (typeof item['query'] === 'string' && item['query'].trim() !== '') {
        if (!name)
            problems.push(`${where}: 'name' is required`);
        return threshold && name ? { name, query: item['query'].trim(), threshold } : undefined;
    }
    if (!BUILTIN_METRICS.includes(name)) {
        problems.push(`${where}: unknown metric ${JSON.stringify(name)}: a metric without 'query' must be one of the built-in ones (${BUILTIN_METRICS.join(', ')}); give a 'query' for a Prometheus one`);
        return undefined;
    }
    return threshold ? { name, builtin: name, threshold } : undefined;
}
function whole(value, key, min, max, problems) {
    if (value === undefined)
        return undefined;
    const n = Number(value);
    if (Number.isInteger(n) && n >= min && n <= max)
        return n;
    problems.push(`'${key}' must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
    return undefined;
}
function parseNumbers(data, problems) {
    const out = {};
    const requests = whole(data['requests'], 'requests', 0, 100_000, problems);
    if (requests !== undefined)
        out.requests = requests;
    const concurrency = whole(data['concurrency'], 'concurrency', 1, 64, problems);
    if (concurrency !== undefined)
        out.concurrency = concurrency;
    for (const [key, field] of [
        ['max-error-rate', 'maxErrorRate'],
        ['tolerance', 'tolerance'],
    ]) {
        if (data[key] === undefined)
            continue;
        const rate = parseRate(data[key]);
        if (rate === undefined)
            problems.push(`'${key}' must be a fraction (0.05) or a percentage (5%), got ${JSON.stringify(data[key])}`);
        else
            out[field] = rate;
    }
    if (data['max-p95-ms'] !== undefined) {
        const ms = Number(data['max-p95-ms']);
        if (Number.isFinite(ms) && ms > 0)
            out.maxP95Ms = ms;
        else
            problems.push(`'max-p95-ms' must be a positive number of milliseconds, got ${JSON.stringify(data['max-p95-ms'])}`);
    }
    const port = whole(data['metrics-port'], 'metrics-port', 1, 65_535, problems);
    if (port !== undefined)
        out.metricsPort = port;
    return out;
}
function parseUrl(data, problems) {
    const raw = data['prometheus-url'];
    if (raw === undefined || raw === '')
        return undefined;
    try {
        return parseHttpUrl('canary-analysis', str(raw)).toString().replace(/\/$/, '');
    }
    catch {
        problems.push(`'prometheus-url' must be an http:// or https:// URL, got ${JSON.stringify(raw)}`);
        return undefined;
    }
}
/** Parses `canary-analysis` (empty: the defaults). `input` names the input in errors. */
function parseAnalysis(raw, input = 'canary-analysis') {
    if (raw.trim() === '')
        return DEFAULT_ANALYSIS;
    let data;
    try {
        data = (0,dist/* parse */.qg)(raw, { uniqueKeys: true });
    }
    catch (error) {
        const first = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
        throw new errors_InputError(input, '(YAML)', `YAML with the keys ${ANALYSIS_KEYS.join(', ')}; it does not parse: ${first}`);
    }
    if (!record_isRecord(data))
        throw new errors_InputError(input, '(YAML)', `a YAML mapping with the keys ${ANALYSIS_KEYS.join(', ')}`);
    const problems = [];
    for (const key of Object.keys(data))
        if (!ANALYSIS_KEYS.includes(key))
            problems.push(`unknown key '${key}'; accepted: ${ANALYSIS_KEYS.join(', ')}`);
    const checks = parseCheckList(data['checks'], problems);
    const metricsRaw = data['metrics'];
    if (metricsRaw !== undefined && !Array.isArray(metricsRaw))
        problems.push("'metrics' must be a list");
    const metrics = (Array.isArray(metricsRaw) ? metricsRaw : [])
        .map((m, i) => parseMetric(m, i, problems))
        .filter((m) => m !== undefined);
    const prometheusUrl = parseUrl(data, problems);
    if (!prometheusUrl && metrics.some((m) => 'query' in m))
        problems.push("metrics with a 'query' need 'prometheus-url' (the Prometheus HTTP API they are sent to)");
    const metricsPath = str(data['metrics-path']) || '/metrics';
    if (!metricsPath.startsWith('/'))
        problems.push(`'metrics-path' must start with /, got ${JSON.stringify(metricsPath)}`);
    const numbers = parseNumbers(data, problems);
    if (problems.length > 0)
        throw new errors_InputError(input, '(YAML)', `a valid analysis; problems:\n  - ${problems.join('\n  - ')}\n`);
    return Object.freeze({
        ...DEFAULT_ANALYSIS,
        ...numbers,
        checks,
        metrics: metricsRaw === undefined ? DEFAULT_ANALYSIS.metrics : metrics,
        prometheusUrl,
        metricsPath,
        compare: data['compare'] !== false,
    });
}

;// CONCATENATED MODULE: ./src/strategy/weights.ts
/**
 * Canary weights: the `canary-steps` list, and how a traffic weight becomes
 * a replica count when the split is made by pods behind one Service (no
 * mesh): the stable Deployment keeps its replicas, the canary gets enough
 * that canary / (stable + canary) is as close to the weight as whole pods
 * allow. Pure.
 */

const ACCEPTED_STEPS = 'comma-separated whole percentages, strictly increasing, each from 1 to 100, ending in 100 (e.g. 10,50,100)';
/** `canary-steps`: e.g. `10,50,100`. */
function parseSteps(raw) {
    const text = raw.trim() === '' ? '10,50,100' : raw.trim();
    const parts = text.split(/[\s,]+/).filter((p) => p !== '');
    const steps = [];
    for (const part of parts) {
        const value = /^\d+%?$/.test(part) ? Number(part.replace('%', '')) : Number.NaN;
        if (!Number.isInteger(value) || value < 1 || value > 100)
            throw new errors_InputError('canary-steps', raw, `${ACCEPTED_STEPS}; ${JSON.stringify(part)} is not`);
        const previous = steps.at(-1);
        if (previous !== undefined && value <= previous)
            throw new errors_InputError('canary-steps', raw, `${ACCEPTED_STEPS}; ${value} does not follow ${previous}`);
        steps.push(value);
    }
    if (steps.at(-1) !== 100)
        throw new errors_InputError('canary-steps', raw, `${ACCEPTED_STEPS}; the last step is the full promotion`);
    return steps;
}
/**
 * Canary replicas for `weight` percent next to `stable` replicas that stay
 * as they are: the count c with c / (stable + c) nearest the weight, at
 * least 1 (a canary without pods measures nothing), at most `maxReplicas`.
 */
function canaryReplicas(weight, stable, maxReplicas = 100) {
    if (weight >= 100)
        return Math.max(stable, 1);
    if (stable <= 0)
        return 1;
    let best = 1;
    let bestError = Number.POSITIVE_INFINITY;
    for (let c = 1; c <= maxReplicas; c += 1) {
        const error = Math.abs((100 * c) / (stable + c) - weight);
        if (error < bestError - 1e-9) {
            best = c;
            bestError = error;
        }
    }
    return best;
}
/** The weight a split really gives, in percent with one decimal. */
function effectiveWeight(canary, stable) {
    const total = canary + stable;
    return total === 0 ? 0 : Math.round((1000 * canary) / total) / 10;
}

;// CONCATENATED MODULE: ./src/strategy/inputs.ts
/**
 * The inputs of the progressive strategies (canary, blue-green), manual
 * gates and GitHub Deployments, read and checked together: a combination
 * that cannot work is refused before anything changes. Pure; called from
 * parseInputs.
 */



const STRATEGIES = ['rolling', 'canary', 'blue-green'];
const ACTIONS = ['deploy', 'promote', 'reject', 'switch-back'];
const PROMOTE_MODES = ['auto', 'manual'];
function parseGithub(read, env, run) {
    const token = read('github-token').trim();
    const environment = read('environment').trim();
    if (!token && !environment)
        return undefined;
    if (!token)
        throw new errors_InputError('github-token', '', "a token (e.g. ${{ github.token }}, with deployments: write) when 'environment' is set");
    if (!environment)
        throw new errors_InputError('environment', '', "an environment name (e.g. production) when 'github-token' is set");
    if (environment.length > 255 || /[\r\n]/.test(environment))
        throw new errors_InputError('environment', environment, 'an environment name of at most 255 characters on one line');
    const rawUrl = read('environment-url').trim();
    const environmentUrl = rawUrl ? parseHttpUrl('environment-url', rawUrl).toString() : undefined;
    const apiUrl = parseHttpUrl('GITHUB_API_URL', env['GITHUB_API_URL']?.trim() || 'https://api.github.com')
        .toString()
        .replace(/\/+$/, '');
    if (!run.repository || !run.sha)
        throw new errors_InputError('environment', environment, 'a run with GITHUB_REPOSITORY and GITHUB_SHA set (as on GitHub), to create a deployment for the commit');
    return { token, environment, environmentUrl, apiUrl, repository: run.repository, ref: run.sha };
}
function parseStrategyInputs(read, env, run) {
    const strategy = parseEnum('strategy', read('strategy'), STRATEGIES, 'rolling');
    const action = parseEnum('action', read('action'), ACTIONS, 'deploy');
    const promote = parseEnum('promote', read('promote'), PROMOTE_MODES, 'auto');
    const rawSteps = read('canary-steps');
    const steps = parseSteps(rawSteps);
    const stepDurationMs = parseDuration('canary-step-duration', read('canary-step-duration'), { minMs: 0, maxMs: 3_600_000 }, 30_000);
    const analysis = parseAnalysis(read('canary-analysis'));
    const blueGreenKeep = parseBoolean('blue-green-keep', read('blue-green-keep'), true);
    if (strategy === 'rolling' && action !== 'deploy')
        throw new errors_InputError('action', action, "deploy with strategy rolling (promote and reject finish a paused canary or blue-green: set 'strategy' too)");
    if (action === 'switch-back' && strategy !== 'blue-green')
        throw new errors_InputError('action', action, 'deploy, promote or reject with strategy canary (switch-back is for blue-green)');
    // canary-steps and canary-analysis are ignored by rolling (a caller may pass them for every strategy); a manual gate is not.
    if (strategy === 'rolling' && promote === 'manual')
        throw new errors_InputError('promote', 'manual', 'auto with strategy rolling (a manual gate needs strategy canary or blue-green)');
    return {
        strategy,
        steps,
        stepDurationMs,
        analysis,
        promote,
        action,
        blueGreenKeep,
        github: parseGithub(read, env, run),
    };
}

;// CONCATENATED MODULE: ./src/inputs.ts
/**
 * Every input of the action, read once, validated and frozen, with what the
 * deploy needs from the run's environment. Secret inputs are masked as they
 * are read (maskingReader), before anything else can print them.
 */









const inputs_DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// Annotation keys: optional DNS-subdomain prefix and a name of at most 63 characters.
const ANNOTATION_KEY = /^(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** Wraps an input reader so that secret inputs are masked the moment they are read. */
function maskingReader(read, mask = maskSecret) {
    return (name) => {
        const value = read(name);
        if (name === 'kubeconfig')
            for (const secret of kubeconfigMasks(value))
                mask(secret);
        if (name === 'github-token' && value.trim() !== '')
            mask(value.trim());
        return value;
    };
}
/** `images`: name=image lines whose name is an image repository name and whose image is a reference. */
function parseImageRules(raw) {
    const images = [];
    for (const [name, image] of parseKeyValueMap('images', raw)) {
        if (!parseImage(name) && !/^[a-z0-9][a-z0-9._/-]*$/.test(name)) {
            throw new errors_InputError('images', `${name}=${image}`, 'name=registry/name:tag lines whose name is an image repository name');
        }
        if (!parseImage(image)) {
            throw new errors_InputError('images', `${name}=${image}`, 'name=registry/name:tag lines whose right-hand side is an image reference (registry/name:tag or registry/name@sha256:...)');
        }
        images.push({ name, image });
    }
    return images;
}
/** `annotations`: key=value lines with Kubernetes annotation keys. */
function parseAnnotations(raw) {
    const annotations = parseKeyValueMap('annotations', raw);
    for (const key of annotations.keys()) {
        if (!ANNOTATION_KEY.test(key) || key.length > 316) {
            throw new errors_InputError('annotations', key, 'key=value lines with Kubernetes annotation keys ([prefix/]name, name of at most 63 letters, digits, -, _ or .)');
        }
    }
    return annotations;
}
/** Reads and checks every input; pure (getInputs passes the runner's reader and environment). */
function parseInputs(read, env) {
    const rawKubeconfig = read('kubeconfig');
    const kubeconfig = rawKubeconfig.trim() === '' ? undefined : decodeKubeconfig(rawKubeconfig);
    const context = read('context').trim() || undefined;
    const namespaceRaw = read('namespace').trim();
    if (namespaceRaw !== '' && (!inputs_DNS_LABEL.test(namespaceRaw) || namespaceRaw.length > 63)) {
        throw new errors_InputError('namespace', namespaceRaw, 'a namespace name: lowercase letters, digits and -, at most 63 characters');
    }
    const run = runContext(env);
    const allowOutside = parseBoolean(OUTSIDE_WORKSPACE_INPUT, read(OUTSIDE_WORKSPACE_INPUT), false);
    const rawManifests = read('manifests');
    const manifests = parseList('manifests', rawManifests, { separator: 'newline' }).map((pattern) => parseGlob('manifests', pattern, {
        workspace: run.workspace,
        allowOutside,
        what: 'a manifest file, directory or glob',
    }));
    if (manifests.length === 0)
        throw new errors_InputError('manifests', rawManifests, 'at least one file, directory or glob pattern, one per line');
    const images = parseImageRules(read('images'));
    const timeoutMs = parseDuration('timeout', read('timeout'), { minMs: 1000, maxMs: 6 * 3_600_000 }, 300_000);
    const rollbackOnFailure = parseBoolean('rollback-on-failure', read('rollback-on-failure'), true);
    const wait = parseBoolean('wait', read('wait'), true);
    const lock = parseBoolean('lock', read('lock'), true);
    const dryRun = parseBoolean('dry-run', read('dry-run'), false);
    const fieldManager = read('field-manager').trim() || 'deploy-k8s';
    if (fieldManager.length > 128 || /[\s]/.test(fieldManager)) {
        throw new errors_InputError('field-manager', fieldManager, 'a field manager name without spaces, at most 128 characters');
    }
    const annotations = parseAnnotations(read('annotations'));
    const failureGraceMs = parseDuration('failure-grace', read('failure-grace'), { minMs: 0, maxMs: 3_600_000 }, 5000);
    const unknownKinds = parseEnum('unknown-kinds', read('unknown-kinds'), UNKNOWN_KINDS_POLICIES, 'fail');
    const settleMs = parseDuration('settle', read('settle'), { minMs: 0, maxMs: 3_600_000 }, 0);
    const runMetadata = runAnnotations(run, new Map());
    return Object.freeze({
        kubeconfig,
        context,
        namespace: namespaceRaw || undefined,
        manifests: Object.freeze(manifests),
        images: Object.freeze(images),
        timeoutMs,
        rollbackOnFailure,
        wait,
        lock,
        dryRun,
        fieldManager,
        annotations,
        failureGraceMs,
        unknownKinds,
        settleMs,
        run,
        stampedAnnotations: runAnnotations(run, annotations),
        // A re-run of the same manifests is unchanged although its run URL and commit differ (unless the user set those keys).
        volatileAnnotations: new Set([...runMetadata.keys()].filter((key) => !annotations.has(key))),
        backupDir: external_node_path_default().join(run.runnerTemp, 'deploy-k8s'),
        allowOutsideWorkspace: allowOutside,
        generate: parseGenerateInputs(read),
        progressive: parseStrategyInputs(read, env, run),
    });
}
/** The only reader of the action's inputs. */
const getInputs = () => parseInputs(maskingReader((name) => lib_core/* getInput */.V4(name)), process.env);

;// CONCATENATED MODULE: ./src/kube-errors.ts
/**
 * Whatever the Kubernetes client throws, turned into a KubeError whose
 * message says what we were doing and what to check.
 */


const NETWORK_HINTS = {
    ECONNREFUSED: 'connection refused: is the cluster running and is the server address in the kubeconfig right?',
    ENOTFOUND: 'the host name does not resolve: check the server address in the kubeconfig',
    EAI_AGAIN: 'the host name does not resolve right now: check DNS and the server address',
    ETIMEDOUT: 'the connection timed out: check the server address and the network path to the cluster',
    UND_ERR_CONNECT_TIMEOUT: 'the connection timed out: check the server address and the network path to the cluster',
    ECONNRESET: 'the connection was reset by the server',
    EHOSTUNREACH: 'the host is unreachable',
    DEPTH_ZERO_SELF_SIGNED_CERT: "the server's TLS certificate is self-signed and the kubeconfig has no matching certificate-authority-data",
    SELF_SIGNED_CERT_IN_CHAIN: "the server's TLS certificate is not signed by the kubeconfig's certificate authority",
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the server's TLS certificate is not signed by the kubeconfig's certificate authority",
    ERR_TLS_CERT_ALTNAME_INVALID: "the server's TLS certificate does not match the server address",
    CERT_HAS_EXPIRED: "the server's TLS certificate has expired",
    ERR_SSL_WRONG_VERSION_NUMBER: 'the server does not speak TLS: check http/https in the server address',
};
function causeCode(error) {
    for (let e = error, depth = 0; e && depth < 5; depth++) {
        if (record_isRecord(e) && typeof e['code'] === 'string')
            return e['code'];
        e = record_isRecord(e) || e instanceof Error ? e.cause : undefined;
    }
    return undefined;
}
/** Turns whatever the client threw into a KubeError naming what we were doing. */
function toKubeError(error, doing, server) {
    if (error instanceof KubeError)
        return error;
    if (record_isRecord(error) && typeof error['code'] === 'number') {
        const status = error['code'];
        let body = error['body'];
        if (typeof body === 'string' && body.trim().startsWith('{')) {
            try {
                body = JSON.parse(body);
            }
            catch {
                // keep the text
            }
        }
        let message = '';
        let reason;
        if (record_isRecord(body) && body['kind'] === 'Status') {
            message = typeof body['message'] === 'string' ? body['message'] : '';
            reason = typeof body['reason'] === 'string' ? body['reason'] : undefined;
        }
        else if (typeof body === 'string' && !body.trim().startsWith('{')) {
            message = body.slice(0, 500);
        }
        if (status === 401) {
            return new KubeError(`${doing}: the API server ${server} rejected the credentials (401 Unauthorized): the kubeconfig's token or client certificate is wrong or expired`, status, reason);
        }
        const hint = status === 403 ? "; grant the kubeconfig's user this permission (Role/RoleBinding) or use another identity" : '';
        // Without a Kubernetes Status the answer may come from anything at that address (a proxy, another service): name it.
        const what = message || `the server ${server} answered HTTP ${status} without a Kubernetes Status`;
        const check = message ? '' : "; check that the kubeconfig's cluster server is the API server's address";
        return new KubeError(`${doing}: ${what} (HTTP ${status}${reason ? ` ${reason}` : ''})${hint}${check}`, status, reason);
    }
    const code = causeCode(error);
    if (code) {
        const hint = NETWORK_HINTS[code] ?? (error instanceof Error ? error.message : String(error));
        return new KubeError(`${doing}: cannot reach the Kubernetes API server ${server} (${code}): ${hint}`, undefined, undefined, code);
    }
    const text = error instanceof Error ? error.message : String(error);
    // The client reading a field of an answer that lacks it: the server is no Kubernetes API server.
    if (/Cannot read properties of (undefined|null)|is not a function|is not iterable/.test(text)) {
        return new KubeError(`${doing}: the server ${server} did not answer like a Kubernetes API server (its answer lacks the fields every Kubernetes API answer has); check that the kubeconfig's cluster server is the API server's address`);
    }
    if (/timed? ?out|TimeoutError|aborted due to timeout/i.test(text)) {
        return new KubeError(`${doing}: the Kubernetes API server ${server} did not answer in time`);
    }
    return new KubeError(`${doing}: ${text.split('\n')[0] ?? text}`);
}

;// CONCATENATED MODULE: ./src/kube-send.ts
/**
 * Sending one request to the API server: a time limit, every failure as a
 * KubeError, and (when asked) the same request again while the server is
 * away or shedding load, with backoff and within a budget, saying so once in
 * the log and again when it answers.
 */



async function withTimeout(promise, ms, what, server) {
    let timer;
    const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new KubeError(`${what}: the Kubernetes API server ${server} did not answer within ${Math.round(ms / 1000)} s`)), ms);
        timer.unref();
    });
    try {
        return await Promise.race([promise, timeout]);
    }
    finally {
        clearTimeout(timer);
    }
}
async function once(sending, doing, body) {
    try {
        return await withTimeout(body(), sending.timeoutMs, doing, sending.server);
    }
    catch (error) {
        throw toKubeError(error, doing, sending.server);
    }
}
/** One request; with `failFast` (or no retry budget) a transient failure is thrown at once. */
async function send(sending, doing, body, failFast = false) {
    const { retryMs, log } = sending;
    if (failFast || retryMs <= 0)
        return once(sending, doing, body);
    let firstFailure;
    try {
        const result = await retry(() => once(sending, doing, body), {
            attempts: Number.POSITIVE_INFINITY,
            initialDelayMs: 250,
            factor: 2,
            maxDelayMs: 2000,
            budgetMs: retryMs,
            shouldRetry: isTransient,
            onRetry: (error) => {
                if (firstFailure !== undefined)
                    return;
                firstFailure = performance.now();
                log(`${error.message}; sending it again for up to ${Math.round(retryMs / 1000)} s`);
            },
        });
        if (firstFailure !== undefined)
            log(`${doing}: the API server answered again after ${((performance.now() - firstFailure) / 1000).toFixed(1)} s`);
        return result;
    }
    catch (error) {
        // Out of time: the last failure is the one to report.
        throw error instanceof RetryBudgetError ? error.cause : error;
    }
}

// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __webpack_require__(37067);
var external_node_http_default = /*#__PURE__*/__webpack_require__.n(external_node_http_);
// EXTERNAL MODULE: external "node:https"
var external_node_https_ = __webpack_require__(44708);
var external_node_https_default = /*#__PURE__*/__webpack_require__.n(external_node_https_);
;// CONCATENATED MODULE: ./src/proxy-client.ts
/**
 * HTTP through the API server's proxy subresource (pods/{name}:{port}/proxy,
 * services/{name}:{port}/proxy), authenticated as the kubeconfig says: the
 * progressive strategies reach canary and preview pods this way, since a
 * runner cannot route to pod IPs. One keep-alive agent per connection;
 * credentials are re-applied per request (tokens from exec plugins rotate).
 */



const MAX_BODY = 1024 * 1024;
function proxyRequester(kc, server) {
    const base = new URL(server);
    const secure = base.protocol === 'https:';
    let agent;
    return async (request) => {
        const options = { method: request.method, headers: { ...request.headers } };
        await kc.applyToHTTPSOptions(options);
        // One keep-alive agent with the credentials of the first request (TLS material does not change mid-run).
        agent ??= secure
            ? new (external_node_https_default()).Agent({
                keepAlive: true,
                maxSockets: 64,
                ...(options.ca ? { ca: options.ca } : {}),
                ...(options.cert ? { cert: options.cert } : {}),
                ...(options.key ? { key: options.key } : {}),
                ...(options.rejectUnauthorized !== undefined ? { rejectUnauthorized: options.rejectUnauthorized } : {}),
            })
            : new (external_node_http_default()).Agent({ keepAlive: true, maxSockets: 64 });
        options.agent = agent;
        const url = new URL(base.pathname.replace(/\/$/, '') + request.path, base);
        const started = performance.now();
        return new Promise((resolve, reject) => {
            const req = (secure ? (external_node_https_default()) : (external_node_http_default())).request(url, options, (res) => {
                const chunks = [];
                let size = 0;
                res.on('data', (chunk) => {
                    size += chunk.length;
                    if (size <= MAX_BODY)
                        chunks.push(chunk);
                });
                res.on('end', () => resolve({
                    status: res.statusCode ?? 0,
                    body: Buffer.concat(chunks).toString('utf8'),
                    durationMs: performance.now() - started,
                }));
                res.on('error', reject);
            });
            req.setTimeout(request.timeoutMs, () => req.destroy(new KubeError(`no answer through the API server proxy within ${request.timeoutMs} ms`)));
            req.on('error', reject);
            if (request.body !== undefined)
                req.write(request.body);
            req.end();
        });
    };
}

;// CONCATENATED MODULE: ./src/server-check.ts
/**
 * Before the first API call: can the kubeconfig's credentials be obtained,
 * and does anything listen at the server address? The client's own errors
 * for these ("fetch failed", "Cannot read properties of undefined (reading
 * 'expirationTimestamp')") name neither the server nor the cause, so both
 * are checked here first and fail with a message that does.
 */




const PROBE_TIMEOUT_MS = 10_000;
/** Runs the user's credentials (an exec plugin, a token file) once, as every request would. */
async function checkCredentials(kc) {
    const user = kc.getCurrentUser();
    try {
        await kc.applyToHTTPSOptions({});
    }
    catch (error) {
        const name = user?.name ?? '?';
        const exec = user?.exec;
        if (record_isRecord(exec)) {
            const command = typeof exec['command'] === 'string' ? exec['command'] : '?';
            // The client reads status.token of whatever the plugin printed: `{}` fails inside it with a TypeError.
            const why = error instanceof TypeError ? 'its output has no status' : describeError(error);
            throw new errors_ActionError(`The kubeconfig user '${printable(name)}' gets its credentials from the exec plugin '${printable(command)}', which did not give usable ones (${why}). Expected it to print an ExecCredential: JSON with status.token, or status.clientCertificateData and status.clientKeyData.`);
        }
        throw new errors_ActionError(`The credentials of the kubeconfig user '${printable(name)}' could not be loaded (${describeError(error)}): check its token, token file or client certificate.`);
    }
}
/** Opens (and closes) a TCP connection to the server; a failure names the server, the error code and what to check. */
async function probeServer(server, timeoutMs = PROBE_TIMEOUT_MS) {
    const url = new URL(server);
    const port = Number(url.port) || (url.protocol === 'http:' ? 80 : 443);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const shown = displayUrl(url);
    await new Promise((resolve, reject) => {
        const socket = (0,external_node_net_.connect)({ host, port });
        const fail = (code, detail) => {
            socket.destroy();
            reject(new KubeError(`Cannot reach the Kubernetes API server ${shown} (the kubeconfig's cluster server) (${code}): ${NETWORK_HINTS[code] ?? detail}`));
        };
        socket.setTimeout(Math.min(timeoutMs, PROBE_TIMEOUT_MS), () => fail('ETIMEDOUT', 'no answer to the connection attempt'));
        socket.once('connect', () => {
            socket.destroy();
            resolve();
        });
        socket.once('error', (error) => fail(error.code ?? 'error', error.message));
    });
}

;// CONCATENATED MODULE: ./src/kube-client.ts






const REQUEST_TIMEOUT_MS = 60_000;
let loading;
/**
 * Starts loading @kubernetes/client-node (a large module) without waiting,
 * so that it loads while the manifests are read. `connect` waits for it.
 */
function preloadClient() {
    // The serializer is not re-exported by the package index; it is the same module instance object.js uses.
    loading ??= Promise.all([Promise.all(/* import() */[__webpack_require__.e(813), __webpack_require__.e(924)]).then(__webpack_require__.bind(__webpack_require__, 76924)), __webpack_require__.e(/* import() */ 813).then(__webpack_require__.bind(__webpack_require__, 84813))]);
    return loading;
}
/** The kubeconfig from the input, else KUBECONFIG, else the in-cluster service account; at the chosen context. */
function loadKubeConfig(k8s, options) {
    const kc = new k8s.KubeConfig();
    try {
        if (options.kubeconfig !== undefined)
            kc.loadFromString(options.kubeconfig);
        else if (process.env['KUBECONFIG'])
            kc.loadFromDefault();
        else if (process.env['KUBERNETES_SERVICE_HOST'])
            kc.loadFromCluster();
        else {
            throw new errors_ActionError("No kubeconfig: set the input 'kubeconfig' (raw YAML or base64), or the KUBECONFIG environment variable, or run inside a cluster with a service account.");
        }
    }
    catch (error) {
        if (error instanceof errors_ActionError)
            throw error;
        // Never echo the kubeconfig: only say what kind of problem it was.
        const kind = error instanceof Error ? error.constructor.name : 'Error';
        throw new errors_ActionError(`The kubeconfig could not be loaded (${kind}); check that it is a complete kubeconfig with clusters, users and contexts.`);
    }
    if (options.context) {
        if (!kc.getContextObject(options.context)) {
            const names = kc.getContexts().map((c) => c.name);
            throw new errors_ActionError(`Input 'context' has an invalid value ${JSON.stringify(options.context)}: expected one of the kubeconfig's contexts (${names.join(', ') || 'none'}).`);
        }
        kc.setCurrentContext(options.context);
    }
    return kc;
}
/** Client configuration: our User-Agent, and strict field validation on every write. */
function configuration(k8s, kc, server, userAgent) {
    return k8s.createConfiguration({
        baseServer: new k8s.ServerConfiguration(server, {}),
        authMethods: { default: kc },
        promiseMiddleware: [
            {
                pre: async (context) => {
                    context.setHeaderParam('User-Agent', userAgent);
                    const method = context.getHttpMethod();
                    if (method === k8s.HttpMethod.PATCH || method === k8s.HttpMethod.POST || method === k8s.HttpMethod.PUT) {
                        if (!context.getUrl().includes('fieldValidation='))
                            context.setQueryParam('fieldValidation', 'Strict');
                    }
                    return context;
                },
                post: async (response) => response,
            },
        ],
    });
}
const label = (ref) => `${ref.kind}/${ref.name}${ref.namespace ? ` in namespace ${ref.namespace}` : ''}`;
class ClientKubeApi {
    modules;
    server;
    contextNamespace;
    sending;
    raw = new Set();
    infoCache = new Map();
    objects;
    watcher;
    proxy;
    constructor(modules, kc, server, contextNamespace, sending, userAgent) {
        this.modules = modules;
        this.server = server;
        this.contextNamespace = contextNamespace;
        this.sending = sending;
        const [k8s] = modules;
        class ObjectApi extends k8s.KubernetesObjectApi {
            async describe(apiVersion, kind) {
                return this.resource(apiVersion, kind);
            }
        }
        this.objects = new ObjectApi(configuration(k8s, kc, server, userAgent));
        this.watcher = new k8s.Watch(kc);
        this.proxy = proxyRequester(kc, server);
    }
    /** Registers pass-through models for a kind (and its List), once per process. */
    ensureRaw(apiVersion, kind) {
        const passThrough = { serialize: (data) => data, deserialize: (data) => data };
        for (const k of [kind, `${kind}List`]) {
            const key = `${apiVersion}|${k}`;
            if (this.raw.has(key))
                continue;
            this.raw.add(key);
            const [group, version] = apiVersion.includes('/')
                ? apiVersion.split('/')
                : ['', apiVersion];
            try {
                this.modules[1].ObjectSerializer.registerModel({ group, version, kind: k }, passThrough);
            }
            catch {
                // already registered (by an earlier connection in this process)
            }
        }
    }
    call(doing, body, failFast = false) {
        return send(this.sending, doing, body, failFast);
    }
    header(ref) {
        this.ensureRaw(ref.apiVersion, ref.kind);
        return {
            apiVersion: ref.apiVersion,
            kind: ref.kind,
            metadata: ref.namespace ? { name: ref.name, namespace: ref.namespace } : { name: ref.name },
        };
    }
    resourceInfo = async (apiVersion, kind) => {
        const key = `${apiVersion}|${kind}`;
        if (this.infoCache.has(key))
            return this.infoCache.get(key);
        const doing = `Looking up ${kind} in ${apiVersion}`;
        let info;
        try {
            const resource = await this.call(doing, () => this.objects.describe(apiVersion, kind));
            info = resource ? { plural: resource.name, namespaced: resource.namespaced } : undefined;
        }
        catch (error) {
            if (!(error instanceof KubeError) || error.status !== 404)
                throw error;
        }
        if (info)
            this.infoCache.set(key, info);
        return info;
    };
    async collectionPath(apiVersion, kind, namespace) {
        const info = await this.resourceInfo(apiVersion, kind);
        if (!info)
            throw new KubeError(`The API server ${this.server} serves no ${kind} in ${apiVersion}`, 404);
        const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
        return info.namespaced && namespace
            ? `${base}/namespaces/${encodeURIComponent(namespace)}/${info.plural}`
            : `${base}/${info.plural}`;
    }
    get = async (ref) => {
        try {
            return await this.call(`Reading ${label(ref)}`, () => this.objects.read(this.header(ref)));
        }
        catch (error) {
            if (isNotFound(error))
                return undefined;
            throw error;
        }
    };
    apply = async (object, { fieldManager, dryRun }) => {
        this.ensureRaw(object.apiVersion, object.kind);
        const ref = {
            apiVersion: object.apiVersion,
            kind: object.kind,
            name: object.metadata.name,
            ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
        };
        const [k8s] = this.modules;
        return this.call(`${dryRun ? 'Validating (server-side dry run)' : 'Applying'} ${label(ref)}`, () => this.objects.patch(object, undefined, dryRun ? 'All' : undefined, fieldManager, true, k8s.PatchStrategy.ServerSideApply));
    };
    create = async (object, opts = {}) => {
        this.ensureRaw(object.apiVersion, object.kind);
        return this.call(`Creating ${object.kind}/${object.metadata.name}`, () => this.objects.create(object, undefined, undefined, opts.fieldManager));
    };
    replace = async (object, opts = {}) => {
        this.ensureRaw(object.apiVersion, object.kind);
        return this.call(`Replacing ${object.kind}/${object.metadata.name}`, () => this.objects.replace(object, undefined, undefined, opts.fieldManager));
    };
    remove = async (ref) => {
        try {
            await this.call(`Deleting ${label(ref)}`, () => this.objects.delete(this.header(ref), undefined, undefined, undefined, undefined, 'Background'));
            return true;
        }
        catch (error) {
            if (isNotFound(error))
                return false;
            throw error;
        }
    };
    list = async (apiVersion, kind, namespace, opts = {}) => {
        this.ensureRaw(apiVersion, kind);
        const result = await this.call(`Listing ${kind} in ${namespace ?? 'all namespaces'}`, () => this.objects.list(apiVersion, kind, namespace, undefined, undefined, undefined, opts.fieldSelector, opts.labelSelector), opts.failFast);
        const list = result;
        // Items of a list carry no apiVersion/kind; put them back so every object is self-describing.
        return {
            items: (list.items ?? []).map((item) => ({ ...item, apiVersion, kind })),
            resourceVersion: list.metadata?.resourceVersion ?? '',
        };
    };
    watch = async (apiVersion, kind, namespace, opts, onEvent, onDone) => {
        const path = await this.collectionPath(apiVersion, kind, namespace);
        const query = {
            labelSelector: opts.labelSelector,
            fieldSelector: opts.fieldSelector,
            resourceVersion: opts.resourceVersion,
            allowWatchBookmarks: true,
            // The client aborts a watch after 30 s without data; let the server end it first.
            timeoutSeconds: 25,
        };
        const controller = await this.watcher.watch(path, query, (type, object) => onEvent(type, object), (error) => onDone(error === null || error === undefined ? undefined : toKubeError(error, `Watching ${kind}`, this.server)));
        return { stop: () => controller.abort() };
    };
}
/** Builds a KubeApi on @kubernetes/client-node (loaded here, lazily). */
async function connect(options) {
    const modules = await preloadClient();
    const kc = loadKubeConfig(modules[0], options);
    const cluster = kc.getCurrentCluster();
    if (!cluster)
        throw new errors_ActionError(`The kubeconfig's context ${JSON.stringify(kc.getCurrentContext())} names no cluster.`);
    const contextNamespace = kc.getContextObject(kc.getCurrentContext())?.namespace || undefined;
    await checkCredentials(kc);
    // Through a proxy the server itself may be unreachable from here: the client's own error has to do then.
    if (!cluster.proxyUrl)
        await probeServer(cluster.server, options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS);
    return new ClientKubeApi(modules, kc, cluster.server, contextNamespace, {
        server: cluster.server,
        timeoutMs: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
        retryMs: options.retryTransientMs ?? 0,
        log: options.log ?? (() => undefined),
    }, options.userAgent ?? 'deploy-k8s (pipeline-actions)');
}

;// CONCATENATED MODULE: ./src/kubeconfig.ts
/** Kubeconfig handling lives in the kit (smoke-test reads the same input); re-exported for this action's modules. */


;// CONCATENATED MODULE: ./src/kubeconfig-files.ts
/**
 * The kubeconfig when the input is empty: the files KUBECONFIG names, or
 * the in-cluster service account token. Each is masked as soon as it is
 * read, and the texts are returned so that the summary can be scrubbed of
 * them too.
 */





const IN_CLUSTER_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';
const realFiles = { readFile: (file) => (0,promises_.readFile)(file, 'utf8').catch(() => undefined), mask: maskSecret };
/** Reads and masks the KUBECONFIG files (or the in-cluster token); throws naming a file that cannot be read or is no kubeconfig. */
async function ambientKubeconfigs(env, files = realFiles) {
    const list = env['KUBECONFIG'];
    if (!list) {
        const token = env['KUBERNETES_SERVICE_HOST'] ? await files.readFile(IN_CLUSTER_TOKEN) : undefined;
        if (token)
            files.mask(token.trim());
        return token ? [token] : [];
    }
    const texts = [];
    for (const file of list.split((external_node_path_default()).delimiter).filter(Boolean)) {
        const text = await files.readFile(file);
        if (text === undefined)
            throw new Error(`The KUBECONFIG environment variable names ${file}, which cannot be read.`);
        for (const secret of kubeconfigMasks(text))
            files.mask(secret);
        checkShape(text, `The KUBECONFIG file ${file}`);
        texts.push(text);
    }
    return texts;
}
/**
 * Every secret string we know of, to scrub our own summary text as a second
 * line of defence: the kubeconfig texts, the secrets inside them and their
 * long (key and certificate data) lines. Short structural lines such as
 * `apiVersion: v1` are left out, or every manifest diff would be mangled.
 */
function knownSecrets(texts) {
    const secrets = [];
    for (const text of texts) {
        secrets.push(text, text.trim(), ...text
            .split(/\r?\n/)
            .map((l) => l.trim())
            .filter((l) => l.length >= 40), ...secretValues(text));
    }
    return secrets;
}

;// CONCATENATED MODULE: ./src/manifests.ts
/**
 * Finding and parsing manifests. `parseManifest` is pure: it turns the text
 * of one file into objects, each tagged with its file, document index and
 * line, and reports every problem with that position.
 */




class ManifestError extends errors_ActionError {
    problems;
    name = 'ManifestError';
    constructor(problems) {
        super(`${plural_plural(problems.length, 'manifest problem')}; nothing was applied:\n` +
            problems.map((p) => `  ${p.file} (document ${p.document}, line ${p.line}): ${p.message}`).join('\n'));
        this.problems = problems;
    }
}
const manifests_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
/** Parses one file's text (YAML or JSON, multi-document, `kind: List` expanded). */
function parseManifest(text, file) {
    const objects = [];
    const problems = [];
    const lineStarts = [0];
    for (let i = 0; i < text.length; i++)
        if (text[i] === '\n')
            lineStarts.push(i + 1);
    const lineAt = (offset) => {
        let lo = 0;
        let hi = lineStarts.length - 1;
        while (lo < hi) {
            const mid = (lo + hi + 1) >> 1;
            if (lineStarts[mid] <= offset)
                lo = mid;
            else
                hi = mid - 1;
        }
        return lo + 1;
    };
    const docs = (0,dist/* parseAllDocuments */.hR)(text, { prettyErrors: false });
    const list = Array.isArray(docs) ? docs : [docs];
    list.forEach((doc, i) => {
        const document = i + 1;
        const start = doc.contents?.range?.[0] ?? doc.range[0];
        const line = lineAt(start);
        const problem = (message, at = line) => void problems.push({ file, document, line: at, message });
        if (doc.errors.length > 0) {
            for (const error of doc.errors)
                problem(`invalid YAML: ${error.message.split('\n')[0] ?? ''}`, lineAt(error.pos[0]));
            return;
        }
        let value;
        try {
            value = doc.toJS({ maxAliasCount: 100 });
        }
        catch (error) {
            // An alias bomb (each alias expanding the one before) stops here, by file and document.
            const reason = error instanceof Error ? error.message : String(error);
            problem(`cannot be expanded: ${reason} (at most 100 aliases are expanded per document)`);
            return;
        }
        if (value === null || value === undefined)
            return; // empty document (e.g. a trailing ---)
        const items = record_isRecord(value) &&
            typeof value['kind'] === 'string' &&
            value['kind'].endsWith('List') &&
            Array.isArray(value['items'])
            ? value['items']
            : [value];
        items.forEach((item, index) => {
            const where = items.length > 1 || item !== value ? ` (item ${index + 1} of the list)` : '';
            const checked = checkObject(item);
            if (typeof checked === 'string')
                problem(`${checked}${where}`);
            else
                objects.push({ object: checked, file, document, line });
        });
    });
    return { objects, problems };
}
/** Checks the minimum shape of an object; returns it typed or a message. */
function checkObject(value) {
    if (!record_isRecord(value))
        return 'a document must be a mapping (an object), not ' + (Array.isArray(value) ? 'a list' : typeof value);
    const { apiVersion, kind, metadata } = value;
    if (typeof apiVersion !== 'string' || apiVersion === '')
        return 'apiVersion is missing';
    if (typeof kind !== 'string' || kind === '')
        return 'kind is missing';
    if (!record_isRecord(metadata))
        return `${kind}: metadata is missing`;
    if (typeof metadata['generateName'] === 'string' && metadata['name'] === undefined) {
        return `${kind}: metadata.generateName cannot be used with apply; give metadata.name`;
    }
    const name = metadata['name'];
    if (typeof name !== 'string' || name === '')
        return `${kind}: metadata.name is missing`;
    if (name.length > 253 || !manifests_NAME.test(name))
        return `${kind}/${name}: metadata.name must be lowercase letters, digits, '-' or '.', starting and ending with a letter or digit`;
    if (metadata['namespace'] !== undefined && typeof metadata['namespace'] !== 'string')
        return `${kind}/${name}: metadata.namespace must be a string`;
    for (const field of ['labels', 'annotations']) {
        const map = metadata[field];
        if (map === undefined || map === null)
            continue;
        if (!record_isRecord(map))
            return `${kind}/${name}: metadata.${field} must be a mapping`;
        for (const [k, v] of Object.entries(map)) {
            if (typeof v !== 'string')
                return `${kind}/${name}: metadata.${field}.${k} must be a string (quote it: "${String(v)}")`;
        }
    }
    return value;
}
const MANIFEST_EXTENSIONS = /\.(ya?ml|json)$/i;
/** Expands files, directories (recursively: *.yaml, *.yml, *.json) and glob patterns, relative to `workspace`. */
async function expandManifestPaths(patterns, workspace, allowOutside = false) {
    const glob = await __webpack_require__.e(/* import() */ 151).then(__webpack_require__.bind(__webpack_require__, 87151));
    const files = [];
    const seen = new Set();
    const unmatched = [];
    const add = (file) => {
        if (!seen.has(file)) {
            seen.add(file);
            files.push(file);
        }
    };
    for (const pattern of patterns) {
        const absolute = external_node_path_default().resolve(workspace, pattern);
        const info = await (0,promises_.stat)(absolute).catch(() => undefined);
        let matched;
        if (info?.isFile()) {
            matched = [absolute];
        }
        else if (info?.isDirectory()) {
            const globber = await glob.create(external_node_path_default().join(absolute, '**'), {
                matchDirectories: false,
                followSymbolicLinks: allowOutside,
            });
            matched = (await globber.glob()).filter((f) => MANIFEST_EXTENSIONS.test(f)).sort();
        }
        else {
            const globber = await glob.create(absolute.replace(/\\/g, '/'), {
                matchDirectories: false,
                followSymbolicLinks: allowOutside,
            });
            matched = (await globber.glob()).sort();
        }
        if (matched.length === 0)
            unmatched.push(pattern);
        matched.forEach(add);
    }
    return { files, unmatched };
}
/** A committed symlink to a file outside the workspace is refused like the path itself. */
async function requireInside(files, workspace) {
    const root = await (0,promises_.realpath)(workspace).catch(() => workspace);
    for (const file of files) {
        const real = await (0,promises_.realpath)(file).catch(() => file);
        if (!isInside(root, real))
            throw new errors_ActionError(`Input 'manifests': ${printable(external_node_path_default().relative(workspace, file))} resolves to ${printable(real)}, outside the workspace (${workspace}). Expected manifests inside the workspace; set allow-outside-workspace: true to allow others.`);
    }
}
/** Reads and parses every file; throws ManifestError listing every problem at once. */
async function loadManifests(patterns, workspace, allowOutside = false) {
    const { files, unmatched } = await expandManifestPaths(patterns, workspace, allowOutside);
    if (!allowOutside)
        await requireInside(files, workspace);
    if (unmatched.length > 0) {
        throw new errors_ActionError(`Input 'manifests': ${unmatched.map((p) => JSON.stringify(p)).join(', ')} matched no file (relative to ${workspace}). Expected files, directories or glob patterns of YAML/JSON manifests, one per line.`);
    }
    const objects = [];
    const problems = [];
    for (const file of files) {
        const shown = external_node_path_default().relative(workspace, file) || file;
        const parsed = parseManifest(await (0,promises_.readFile)(file, 'utf8'), shown);
        objects.push(...parsed.objects);
        problems.push(...parsed.problems);
    }
    if (problems.length > 0)
        throw new ManifestError(problems);
    if (objects.length === 0)
        throw new errors_ActionError(`Input 'manifests': the files ${files.join(', ')} contain no Kubernetes objects.`);
    return objects;
}

;// CONCATENATED MODULE: ./src/generated-manifests.ts
/**
 * Manifests for a service that has none: a Deployment and a Service, plus a
 * HorizontalPodAutoscaler and a PodDisruptionBudget for production. Pure:
 * objects from options. Pods run as non-root with no privilege escalation,
 * all capabilities dropped, the runtime's seccomp profile, and (unless
 * switched off) a read-only root filesystem with a writable /tmp.
 */

const MANAGED_BY = 'pipeline-actions';
function probe(path, kind) {
    const action = path === undefined ? { tcpSocket: { port: 'http' } } : { httpGet: { path, port: 'http' } };
    const timing = {
        readiness: { periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
        liveness: { periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
        // Up to 2 minutes to start before liveness counts.
        startup: { periodSeconds: 2, timeoutSeconds: 3, failureThreshold: 60 },
    }[kind];
    return { ...action, ...timing };
}
function resources(o) {
    const limits = {};
    if (o.cpuLimit)
        limits['cpu'] = o.cpuLimit;
    if (o.memoryLimit)
        limits['memory'] = o.memoryLimit;
    return {
        requests: { cpu: o.cpuRequest, memory: o.memoryRequest },
        ...(Object.keys(limits).length > 0 ? { limits } : {}),
    };
}
function container(o) {
    return {
        name: o.name,
        image: o.image,
        ports: [{ name: 'http', containerPort: o.port, protocol: 'TCP' }],
        env: [{ name: 'PORT', value: String(o.port) }],
        startupProbe: probe(o.livenessPath ?? o.readinessPath, 'startup'),
        readinessProbe: probe(o.readinessPath, 'readiness'),
        livenessProbe: probe(o.livenessPath, 'liveness'),
        resources: resources(o),
        securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: o.readOnlyRootFilesystem,
            capabilities: { drop: ['ALL'] },
        },
        volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
    };
}
function generateManifests(o) {
    const labels = { 'app.kubernetes.io/name': o.name, 'app.kubernetes.io/managed-by': MANAGED_BY };
    const selector = { 'app.kubernetes.io/name': o.name };
    const metadata = { name: o.name, labels };
    const user = o.runAsUser === undefined ? {} : { runAsUser: o.runAsUser, runAsGroup: o.runAsUser, fsGroup: o.runAsUser };
    const deployment = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata,
        spec: {
            replicas: o.replicas,
            selector: { matchLabels: selector },
            strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
            template: {
                metadata: { labels },
                spec: {
                    automountServiceAccountToken: false,
                    securityContext: { runAsNonRoot: true, ...user, seccompProfile: { type: 'RuntimeDefault' } },
                    containers: [container(o)],
                    volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '256Mi' } }],
                },
            },
        },
    };
    const service = {
        apiVersion: 'v1',
        kind: 'Service',
        metadata,
        spec: { selector, ports: [{ name: 'http', port: o.port, targetPort: 'http', protocol: 'TCP' }] },
    };
    if (!o.production)
        return [deployment, service];
    const hpa = {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata,
        spec: {
            scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: o.name },
            minReplicas: o.replicas,
            maxReplicas: Math.max(o.replicas * 3, o.replicas + 1),
            metrics: [
                { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
            ],
        },
    };
    // maxUnavailable 1 never blocks a node drain, even with one replica (minAvailable 1 would).
    const pdb = {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata,
        spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
    };
    return [deployment, service, hpa, pdb];
}
/** Multi-document YAML of the objects, as the summary and the artifact show them. */
function manifestsYaml(objects) {
    return objects.map((o) => (0,dist/* stringify */.As)(o, { lineWidth: 0 })).join('---\n');
}

;// CONCATENATED MODULE: ./src/manifest-source.ts
/**
 * Where the objects to deploy come from: plain files, directories and globs
 * (manifests.ts), kustomize directories (rendered with `kubectl kustomize`),
 * or, when nothing matched and generate-manifests is when-missing, the
 * generated Deployment and Service (generated-manifests.ts).
 */




async function generated(req, io) {
    const image = req.images[0]?.name;
    if (image === undefined)
        throw new errors_ActionError("Input 'images': generate-manifests needs the image to deploy (name=registry/name:tag); it is empty.");
    const name = req.generate.appName ?? (image.split('/').pop() ?? image).replace(/[:@].*$/, '').toLowerCase();
    const objects = generateManifests({ ...req.generate, name, image });
    const yaml = manifestsYaml(objects);
    const file = external_node_path_default().join(req.outputDir, 'generated-manifests.yaml');
    await io.write(file, yaml);
    const shown = 'generated-manifests.yaml (generated)';
    const parsed = parseManifest(yaml, shown);
    return { objects: parsed.objects, generated: { file, yaml }, kustomized: [] };
}
async function readSources(req, io) {
    const { manifests, workspace, allowOutside } = req;
    if (req.generate.policy === 'when-missing') {
        const unmatched = await io.unmatched(manifests, workspace, allowOutside);
        if (unmatched.length === manifests.length)
            return generated(req, io);
    }
    const plain = [];
    const objects = [];
    const kustomized = [];
    for (const pattern of manifests) {
        const directory = external_node_path_default().resolve(workspace, pattern);
        if ((await io.kustomization(directory)) === undefined) {
            plain.push(pattern);
            continue;
        }
        const shown = `${external_node_path_default().relative(workspace, directory) || '.'} (kustomize)`;
        const parsed = parseManifest(await io.kustomize(directory), shown);
        if (parsed.problems.length > 0)
            throw new ManifestError(parsed.problems);
        objects.push(...parsed.objects);
        kustomized.push(external_node_path_default().relative(workspace, directory) || '.');
    }
    if (plain.length > 0)
        objects.push(...(await io.loadManifests(plain, workspace, allowOutside)));
    if (objects.length === 0)
        throw new errors_ActionError(`Input 'manifests': ${printable(manifests.join(', '))} rendered no Kubernetes objects.`);
    return { objects, kustomized };
}

;// CONCATENATED MODULE: ./src/manifest-source-io.ts
/** The real SourceIo: files on disk and `kubectl kustomize` (argument array, bounded). */




const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const KUSTOMIZE_TIMEOUT_MS = 120_000;
async function kustomization(directory) {
    const info = await (0,promises_.stat)(directory).catch(() => undefined);
    if (!info?.isDirectory())
        return undefined;
    for (const name of KUSTOMIZATION_FILES) {
        const file = external_node_path_default().join(directory, name);
        if ((await (0,promises_.stat)(file).catch(() => undefined))?.isFile())
            return file;
    }
    return undefined;
}
async function kustomize(directory) {
    let result;
    try {
        result = await execArgs('kubectl', ['kustomize', directory], { timeoutMs: KUSTOMIZE_TIMEOUT_MS });
    }
    catch (error) {
        throw new errors_ActionError(`Input 'manifests': ${printable(directory)} is a kustomize directory and rendering it needs kubectl on PATH (GitHub's hosted runners have it): ${describeError(error)}`);
    }
    if (result.exitCode !== 0)
        throw new errors_ActionError(`Input 'manifests': kubectl kustomize ${printable(directory)} failed (exit ${result.exitCode}): ${tail(result.stderr)}`);
    return result.stdout;
}
const realSourceIo = {
    loadManifests: loadManifests,
    unmatched: async (patterns, workspace, allowOutside) => (await expandManifestPaths(patterns, workspace, allowOutside)).unmatched,
    kustomization,
    kustomize,
    write: async (file, text) => {
        await (0,promises_.mkdir)(external_node_path_default().dirname(file), { recursive: true });
        await (0,promises_.writeFile)(file, text);
    },
};

;// CONCATENATED MODULE: ./src/manifest-source-summary.ts
function manifestSourceSummary(sources) {
    if (!sources)
        return '';
    const lines = [];
    if (sources.kustomized.length > 0)
        lines.push('', `Rendered with \`kubectl kustomize\`: ${sources.kustomized.map((d) => `\`${d}\``).join(', ')}.`);
    if (sources.generated) {
        const kinds = sources.objects.map((o) => `${o.object.kind}/${o.object.metadata.name}`).join(', ');
        lines.push('', '### Generated manifests', '', `No manifests matched, so these were generated (generate-manifests: when-missing): ${kinds}.`, '', '<details><summary>generated-manifests.yaml</summary>', '', '```yaml', sources.generated.yaml.trimEnd(), '```', '</details>');
    }
    return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

;// CONCATENATED MODULE: ./src/service-output.ts
/**
 * The `service` output: the Service in front of the deployed workload (the
 * one running the new image), as `namespace/name:port`, so that a smoke
 * test can reach it through the API server without a URL. Read from the live
 * objects after the deploy, by the kit's rule the local runner uses too.
 */


const APPS = { Deployment: 'apps/v1', StatefulSet: 'apps/v1', DaemonSet: 'apps/v1' };
/** The workload an image rule's image is in (by reference), else the kit's rule for the first image (repository, or the only workload). */
function workloadOf(resources, images) {
    for (const rule of images) {
        const found = deployedWorkload([...resources], rule.image);
        if (found?.newImages.includes(rule.image))
            return found;
    }
    return deployedWorkload([...resources], images[0]?.image ?? '');
}
/** `namespace/name:port` of the Service selecting the deployed workload's pods, or '' (with the reason logged). */
async function deployedService(api, report, images, log) {
    // A paused canary or preview is live next to the stable pods: the Service in front of both is what users reach.
    if (report.dryRun || !['deployed', 'unchanged', 'paused'].includes(report.status))
        return '';
    const workload = workloadOf(report.resources, images);
    if (!workload) {
        log('service output: no Deployment, StatefulSet or DaemonSet runs the deployed image, so no Service is named');
        return '';
    }
    const namespace = workload.namespace ?? api.contextNamespace ?? 'default';
    const apiVersion = APPS[workload.kind] ?? 'apps/v1';
    try {
        const live = await api.get({ apiVersion, kind: workload.kind, name: workload.name, namespace });
        const spec = (live?.['spec'] ?? {});
        const labels = spec.template?.metadata?.labels ?? {};
        const { items } = await api.list('v1', 'Service', namespace);
        const picked = pickService(labels, items.map(liveService));
        if (!picked) {
            log(`service output: no Service in namespace ${namespace} selects the pods of ${workload.kind}/${workload.name}`);
            return '';
        }
        const ref = formatServiceRef({ namespace, name: picked.service.name, port: picked.port });
        log(`service output: ${ref} (selects the pods of ${workload.kind}/${workload.name})`);
        return ref;
    }
    catch (error) {
        // The deploy itself succeeded: a Service that cannot be read leaves the output empty, not the step failed.
        log(`service output: the Service in front of ${workload.kind}/${workload.name} could not be read (${describeError(error)})`);
        return '';
    }
}

;// CONCATENATED MODULE: ./src/analysis/verdict.ts

const higherIsWorse = (t) => t.op === '<' || t.op === '<=';
/** Is the canary's value worse than stable's by more than the tolerance? */
function worseThan(canary, stable, threshold, tolerance) {
    if (threshold.op === '==' || threshold.op === '!=')
        return true;
    const margin = Math.abs(stable) * tolerance + 1e-9;
    return higherIsWorse(threshold) ? canary > stable + margin : canary < stable - margin;
}
/** One budget: canary against the threshold, excused when stable breaks it as badly. */
function criterion(name, canary, stable, threshold, options) {
    const text = `${threshold.op} ${threshold.value}`;
    if (canary === undefined || Number.isNaN(canary))
        return {
            name,
            canary: undefined,
            stable,
            threshold: text,
            ok: false,
            note: 'no data from the canary (no data proves nothing)',
        };
    if (meets(canary, threshold))
        return { name, canary, stable, threshold: text, ok: true };
    if (options.compare &&
        stable !== undefined &&
        !meets(stable, threshold) &&
        !worseThan(canary, stable, threshold, options.tolerance))
        return {
            name,
            canary,
            stable,
            threshold: text,
            ok: true,
            note: 'stable breaks it as badly: the baseline is bad, not the canary',
        };
    return { name, canary, stable, threshold: text, ok: false };
}
function checkCriteria(canary, stable, compare) {
    return Object.entries(canary.checkFailures).map(([check, why]) => {
        const stableWhy = stable?.checkFailures[check];
        const excused = compare && stableWhy !== undefined;
        return {
            name: `check ${check}`,
            canary: why,
            stable: stable ? (stableWhy ?? 'passed') : undefined,
            threshold: 'passes',
            ok: excused,
            ...(excused ? { note: 'fails on stable too: the baseline is bad, not the canary' } : {}),
        };
    });
}
const rate = (t) => t === undefined || t.requests === 0 ? undefined : t.errors / t.requests;
function judgeStep(config, canary, stable) {
    const options = { compare: config.compare, tolerance: config.tolerance };
    const criteria = checkCriteria(canary, stable, config.compare);
    if (config.maxErrorRate !== undefined && canary.requests > 0)
        criteria.push(criterion('error rate', rate(canary), rate(stable), { op: '<=', value: config.maxErrorRate }, options));
    if (config.maxP95Ms !== undefined && canary.requests > 0)
        criteria.push(criterion('p95 ms', canary.p95Ms, stable?.p95Ms, { op: '<=', value: config.maxP95Ms }, options));
    for (const metric of config.metrics) {
        if ('query' in metric) {
            criteria.push(criterion(metric.name, canary.queries[metric.name], stable?.queries[metric.name], metric.threshold, options));
            continue;
        }
        const pick = (t) => t === undefined
            ? undefined
            : metric.builtin === 'restarts'
                ? t.restarts
                : metric.builtin === 'error-rate'
                    ? t.podErrorRate
                    : t.podP95Ms;
        criteria.push(criterion(metric.name, pick(canary), pick(stable), metric.threshold, options));
    }
    const failed = criteria.filter((c) => !c.ok);
    return {
        ok: failed.length === 0,
        criteria,
        ...(failed.length > 0
            ? {
                reason: failed
                    .map((c) => `${c.name} ${formatValue(c.canary)} (threshold ${c.threshold}${c.stable !== undefined ? `, stable ${formatValue(c.stable)}` : ''}${c.note ? `; ${c.note}` : ''})`)
                    .join('; '),
            }
            : {}),
    };
}
function formatValue(value) {
    if (value === undefined)
        return 'n/a';
    if (typeof value === 'string')
        return value;
    return Number.isInteger(value) ? String(value) : value.toFixed(value < 1 ? 4 : 1);
}

;// CONCATENATED MODULE: ./src/strategy/summary.ts
/**
 * The canary / blue-green part of the job summary: a Mermaid timeline of
 * the steps, then a small table per step with the verdict's numbers for the
 * new pods and stable, and the GitHub deployment statuses. Pure.
 */


const ICON = {
    passed: '✅ passed',
    failed: '❌ failed',
    paused: '⏸️ paused',
    promoted: '🚀 promoted',
    switched: '🔀 switched',
};
function stepTitle(report, step) {
    if (step.outcome === 'promoted')
        return `Step ${step.step}: 100% (rolling deploy to the stable Deployment)`;
    if (step.outcome === 'switched')
        return `Step ${step.step}: live Service switched`;
    if (report.strategy === 'blue-green')
        return `Step ${step.step}: preview ${report.canary}`;
    return `Step ${step.step}: ${step.weight}% asked, ${step.effectiveWeight}% (${step.canaryReplicas} canary / ${step.stableReplicas} stable pods)`;
}
function stepsGantt(report) {
    if (report.steps.length === 0)
        return '';
    const lines = [
        'gantt',
        `  title ${report.strategy} steps`,
        '  dateFormat x',
        '  axisFormat %M:%S',
        `  section ${report.strategy}`,
    ];
    for (const step of report.steps) {
        const end = Math.max(step.endedAt, step.startedAt + 1);
        const name = `${step.outcome === 'promoted' || step.outcome === 'switched' ? step.outcome : `step ${step.step} ${step.weight}%`} ${step.outcome}`;
        lines.push(`  ${name} :${step.outcome === 'failed' ? 'crit' : 'done'}, s${step.step}, ${step.startedAt}, ${end}`);
    }
    return mermaid(lines.join('\n'));
}
function stepTable(step) {
    const rows = [];
    if (step.failure)
        rows.push(['rollout of the new pods', step.failure.replace(/\n/g, ' '), '', 'ready', '❌']);
    for (const c of step.verdict?.criteria ?? [])
        rows.push([
            c.name,
            formatValue(c.canary),
            formatValue(c.stable),
            c.threshold,
            `${c.ok ? '✅' : '❌'}${c.note ? ` ${c.note}` : ''}`,
        ]);
    if (step.canary)
        rows.push([
            'requests (errors)',
            `${step.canary.requests} (${step.canary.errors})`,
            step.stable ? `${step.stable.requests} (${step.stable.errors})` : '',
            '',
            '',
        ]);
    if (rows.length === 0)
        return '';
    return markdownTable(['Criterion', 'New', 'Stable', 'Threshold', 'Verdict'], rows);
}
function progressiveSection(report) {
    if (!report)
        return [];
    const parts = [
        `### ${report.strategy === 'canary' ? 'Canary' : 'Blue-green'} (${report.traffic} traffic, ${report.canary})`,
    ];
    const gantt = stepsGantt(report);
    if (gantt)
        parts.push(gantt);
    for (const step of report.steps) {
        parts.push(`**${stepTitle(report, step)}**: ${ICON[step.outcome]}${step.verdict?.reason ? `: ${step.verdict.reason}` : ''}`);
        const table = stepTable(step);
        if (table)
            parts.push(table);
    }
    if (report.liveColor)
        parts.push(`Live colour: **${report.liveColor}**${report.keptColor ? `; kept for a switch back: ${report.keptColor}` : ''}`);
    return parts;
}
/** The GitHub deployment statuses, in the order they were reported. */
function deploymentsSection(entries) {
    if (!entries || entries.length === 0)
        return [];
    return [
        `### GitHub deployment statuses\n\n${markdownTable(['Deployment', 'State', 'Description'], entries.map((e) => [e.deploymentId ? `#${e.deploymentId}` : '', e.state, e.description ?? '']))}`,
    ];
}

;// CONCATENATED MODULE: ./src/summary.ts
/**
 * The job summary, built as Markdown from the deploy report. Pure: the
 * caller writes it with the kit's writeSummary (which never fails the step)
 * and redacts secrets.
 */



const STATUS_TEXT = {
    deployed: 'deployed',
    unchanged: 'unchanged',
    'rolled-back': 'rolled back',
    failed: 'failed',
    aborted: 'aborted (stable untouched)',
    paused: 'paused at a manual gate',
};
function seconds(ms) {
    return `${(ms / 1000).toFixed(1)} s`;
}
/** Mermaid gantt of the phases (times as Unix milliseconds). */
function phaseGantt(phases) {
    if (phases.length === 0)
        return '';
    const lines = ['gantt', '  title Deploy timeline', '  dateFormat x', '  axisFormat %M:%S', '  section deploy-k8s'];
    phases.forEach((p, i) => {
        const name = p.name.replace(/[:#;]/g, ' ');
        const end = Math.max(p.end, p.start + 1);
        lines.push(`  ${name} (${seconds(p.end - p.start)}) :${p.ok ? 'done' : 'crit'}, p${i}, ${p.start}, ${end}`);
    });
    return mermaid(lines.join('\n'));
}
/** Title, headline facts and the failure block: present even without a report. */
function headerSections(report, context) {
    const status = report?.status ?? 'failed';
    const title = report?.dryRun ? 'dry run' : STATUS_TEXT[status];
    const parts = [`## deploy-k8s: ${title}`, headlineFacts(report, context).join(' · ')];
    const failure = context.failure ?? report?.failure;
    if (failure)
        parts.push(`**${status === 'rolled-back' ? 'Rolled back' : 'Failed'}:**\n\n\`\`\`text\n${failure.replace(/```/g, "'''")}\n\`\`\``);
    return parts;
}
function headlineFacts(report, context) {
    const facts = [`Duration ${seconds(context.durationMs)}`];
    if (report?.revision)
        facts.push(`revision ${report.revision}${report.previousRevision && report.previousRevision !== report.revision ? ` (previous ${report.previousRevision})` : ''}`);
    if (report?.lock)
        facts.push(`lock ${report.lock.namespace}/${report.lock.name}${report.lock.waitedMs > 1000 ? ` (waited ${seconds(report.lock.waitedMs)})` : ''}`);
    if (report?.backupFile)
        facts.push(`backup \`${report.backupFile}\``);
    return facts;
}
function revisionCell(r) {
    return r.revision
        ? r.previousRevision && r.previousRevision !== r.revision
            ? `${r.previousRevision} → ${r.revision}`
            : r.revision
        : (r.previousRevision ?? '');
}
function resourcesSection(report) {
    if (report.resources.length === 0)
        return [];
    return [
        markdownTable(['Resource', 'Source', 'Action', 'Old image', 'New image', 'Result', 'Revision'], report.resources.map((r) => [
            `${r.kind}/${r.name}${r.namespace ? ` (${r.namespace})` : ''}`,
            `${r.file}#${r.document}`,
            report.dryRun && r.action !== 'unchanged' ? `would ${r.action}` : r.action,
            r.oldImages.join('\n'),
            r.action === 'unchanged' || r.oldImages.join() === r.newImages.join() ? '' : r.newImages.join('\n'),
            r.result,
            revisionCell(r),
        ])),
    ];
}
function failingPodsSection(report) {
    if (report.failingPods.length === 0)
        return [];
    return [
        '### Failing pods',
        markdownTable(['Pod', 'Reason', 'Message', 'Recent events'], report.failingPods.map((p) => [
            p.pod,
            p.reason + (p.container ? ` (${p.container})` : ''),
            p.message,
            p.events.join('\n'),
        ])),
    ];
}
function workloadEventsSection(report) {
    if (report.workloadEvents.length === 0)
        return [];
    return [`### Workload events\n\n${report.workloadEvents.map((e) => `- ${e.replace(/\n/g, ' ')}`).join('\n')}`];
}
function timelineSection(report, context) {
    if (report.phases.length === 0 && report.timeline.length === 0)
        return [];
    const parts = ['### Timeline'];
    const gantt = phaseGantt(report.phases);
    if (gantt)
        parts.push(gantt);
    if (report.timeline.length > 0) {
        const sorted = [...report.timeline].sort((a, b) => a.at - b.at);
        parts.push(markdownTable(['+s', 'Event'], sorted.map((e) => [((e.at - context.startedAt) / 1000).toFixed(1), e.text])));
    }
    return parts;
}
function diffsSection(report) {
    if (report.diffs.length === 0)
        return [];
    const diffs = report.diffs.map((d) => `<details${report.dryRun ? ' open' : ''}><summary>${escapeHtml(d.label)}</summary>\n\n\`\`\`diff\n${d.diff.replace(/```/g, "'''")}\n\`\`\`\n\n</details>`);
    return [
        `### ${report.dryRun ? 'Changes the deploy would make (server-side dry run)' : 'Changes'}\n\n${diffs.join('\n')}`,
    ];
}
function unmatchedImageRulesSection(report) {
    if (report.unmatchedImageRules.length === 0)
        return [];
    return [`Image rules that matched no container: ${report.unmatchedImageRules.map((r) => `\`${r}\``).join(', ')}`];
}
function skippedSection(report) {
    if (report.skipped.length === 0)
        return [];
    return [
        `### Skipped: kinds the cluster does not serve (unknown-kinds: skip)\n\n${describeUnserved(report.skipped)
            .map((line) => `- ${escapeHtml(line)}`)
            .join('\n')}`,
    ];
}
function buildSummary(report, context) {
    const parts = headerSections(report, context);
    if (!report)
        return parts.join('\n\n') + '\n';
    parts.push(...progressiveSection(report.progressive), ...deploymentsSection(report.githubDeployments), ...resourcesSection(report), ...skippedSection(report), ...failingPodsSection(report), ...workloadEventsSection(report), ...timelineSection(report, context), ...diffsSection(report), ...unmatchedImageRulesSection(report));
    return parts.join('\n\n') + '\n';
}
function escapeHtml(text) {
    return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

;// CONCATENATED MODULE: ./src/strategy/report.ts
/** The `analysis` output: compact, without pod lists. */
function analysisOutput(report) {
    if (!report)
        return '{}';
    return JSON.stringify({
        strategy: report.strategy,
        traffic: report.traffic,
        canary: report.canary,
        steps: report.steps.map((s) => ({
            step: s.step,
            weight: s.weight,
            effectiveWeight: s.effectiveWeight,
            outcome: s.outcome,
            ...(s.failure ? { failure: s.failure } : {}),
            ...(s.verdict ? { ok: s.verdict.ok, reason: s.verdict.reason, criteria: s.verdict.criteria } : {}),
            ...(s.canary
                ? {
                    canary: {
                        requests: s.canary.requests,
                        errors: s.canary.errors,
                        p95Ms: s.canary.p95Ms,
                        restarts: s.canary.restarts,
                    },
                }
                : {}),
            ...(s.stable
                ? {
                    stable: {
                        requests: s.stable.requests,
                        errors: s.stable.errors,
                        p95Ms: s.stable.p95Ms,
                        restarts: s.stable.restarts,
                    },
                }
                : {}),
        })),
    });
}

;// CONCATENATED MODULE: ./src/analysis/prom-text.ts
/**
 * The Prometheus text exposition format, as far as the analysis needs it:
 * samples of a counter and of a histogram's buckets, the difference of two
 * scrapes (what happened during a step), and a quantile from buckets the
 * way histogram_quantile interpolates. Pure.
 */
const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
function parseExposition(text) {
    const samples = [];
    for (const raw of text.split('\n')) {
        const line = raw.trim();
        if (line === '' || line.startsWith('#'))
            continue;
        const m = LINE.exec(line);
        if (!m)
            continue;
        const labels = {};
        for (const l of (m[2] ?? '').matchAll(LABEL))
            labels[l[1]] = l[2].replace(/\\n/g, '\n').replace(/\\(.)/g, '$1');
        const value = m[3] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[3]);
        if (!Number.isNaN(value))
            samples.push({ name: m[1], labels, value });
    }
    return samples;
}
const keyOf = (s) => `${s.name}{${Object.entries(s.labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}}`;
/**
 * after - before per series (a series new in `after` counts from 0; a
 * counter that went down was reset, so its `after` value is the increase).
 */
function increase(before, after) {
    const old = new Map(before.map((s) => [keyOf(s), s.value]));
    return after.map((s) => {
        const previous = old.get(keyOf(s)) ?? 0;
        return { ...s, value: s.value >= previous ? s.value - previous : s.value };
    });
}
const STATUS_LABELS = ['code', 'status_code', 'status'];
/** Requests and 5xx answers counted by `counter` (label code, status_code or status). */
function errorCounts(samples, counter = 'http_requests_total') {
    let requests = 0;
    let errors = 0;
    for (const s of samples) {
        if (s.name !== counter)
            continue;
        requests += s.value;
        const status = STATUS_LABELS.map((l) => s.labels[l]).find((v) => v !== undefined) ?? '';
        if (/^5\d\d$/.test(status))
            errors += s.value;
    }
    return { requests, errors };
}
/** Cumulative bucket counts by upper bound, summed over every series of the histogram. */
function buckets(samples, histogram = 'http_request_duration_seconds') {
    const byBound = new Map();
    for (const s of samples) {
        if (s.name !== `${histogram}_bucket` || s.labels['le'] === undefined)
            continue;
        const bound = s.labels['le'] === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels['le']);
        if (!Number.isNaN(bound))
            byBound.set(bound, (byBound.get(bound) ?? 0) + s.value);
    }
    return [...byBound.entries()].sort((a, b) => a[0] - b[0]);
}
/**
 * The q-quantile (0..1) from cumulative buckets, interpolated linearly
 * inside the bucket it falls in; the highest finite bound when it falls in
 * +Inf; undefined without observations.
 */
function bucketQuantile(q, cumulative) {
    const total = cumulative.at(-1)?.[1] ?? 0;
    if (total <= 0)
        return undefined;
    const rank = q * total;
    let lowerBound = 0;
    let lowerCount = 0;
    for (const [bound, count] of cumulative) {
        if (count >= rank) {
            if (bound === Number.POSITIVE_INFINITY)
                return lowerBound;
            if (count === lowerCount)
                return bound;
            return lowerBound + ((bound - lowerBound) * (rank - lowerCount)) / (count - lowerCount);
        }
        lowerBound = bound;
        lowerCount = count;
    }
    return lowerBound;
}
/** The nearest-rank percentile (0..100) of measured values; undefined when there are none. */
function percentile(values, p) {
    if (values.length === 0)
        return undefined;
    const sorted = [...values].sort((a, b) => a - b);
    const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
    return sorted[index];
}

;// CONCATENATED MODULE: ./src/analysis/measure.ts
/**
 * Measuring one track (the canary's pods, or stable's) during a step: the
 * checks once per pod, then `requests` requests replaying the checks
 * round-robin over the pods, spread over the step, through the API server
 * proxy. The pods' /metrics are scraped before and after, restarts counted.
 * Both tracks run at once, so they share the window.
 */




const measure_REQUEST_TIMEOUT_MS = 10_000;
const DEFAULT_CHECK = {
    name: 'GET /',
    method: 'GET',
    path: '/',
    headers: {},
    status: [{ class: 2 }],
    contains: [],
    json: [],
    allowErrors: false,
    load: true,
};
function podPath(track, pod, path) {
    return `/api/v1/namespaces/${encodeURIComponent(track.namespace)}/pods/${encodeURIComponent(pod)}:${track.port}/proxy${path}`;
}
async function measure_send(api, track, pod, check) {
    if (!api.proxy)
        return new Error('this connection cannot reach pods (no API server proxy)');
    try {
        return await api.proxy({
            method: check.method,
            path: podPath(track, pod, requestPath(check)),
            headers: check.headers,
            ...(check.body !== undefined ? { body: check.body } : {}),
            timeoutMs: measure_REQUEST_TIMEOUT_MS,
        });
    }
    catch (error) {
        return error instanceof Error ? error : new Error(String(error));
    }
}
async function scrape(api, track, path) {
    const all = [];
    for (const pod of track.pods) {
        const answer = await measure_send(api, track, pod, { ...DEFAULT_CHECK, path });
        if (answer instanceof Error || answer.status !== 200)
            return undefined;
        all.push(...parseExposition(answer.body).map((s) => ({ ...s, labels: { ...s.labels, pod } })));
    }
    return all;
}
async function restartsOf(api, track) {
    const { items } = await api.list('v1', 'Pod', track.namespace);
    return items.filter((p) => track.pods.includes(p.metadata.name)).reduce((n, p) => n + podRestarts(p), 0);
}
async function runChecks(api, track, checks) {
    const failures = {};
    for (const check of checks) {
        for (const pod of track.pods) {
            const answer = await measure_send(api, track, pod, check);
            const why = answer instanceof Error ? answer.message : checkAnswer(check, answer.status, answer.body);
            if (why) {
                failures[check.name] = `${pod}: ${why}`;
                break;
            }
        }
    }
    return failures;
}
/** `count` requests over `windowMs`, round-robin over checks and pods, at most `concurrency` in flight. */
async function drive(api, track, checks, count, windowMs, concurrency) {
    const load = { requests: 0, errors: 0, latencies: [] };
    if (count === 0 || track.pods.length === 0)
        return load;
    const started = Date.now();
    const spacing = windowMs / count;
    await mapLimit(Array.from({ length: count }, (_, i) => i), concurrency, async (i) => {
        const wait = started + i * spacing - Date.now();
        if (wait > 0)
            await sleep(wait);
        const check = checks[i % checks.length];
        const answer = await measure_send(api, track, track.pods[i % track.pods.length], check);
        load.requests += 1;
        if (answer instanceof Error || answer.status >= 500 || answer.status === 0)
            load.errors += 1;
        if (!(answer instanceof Error))
            load.latencies.push(answer.durationMs);
    });
    return load;
}
async function queryAll(config, track, query) {
    const podsRegex = track.pods.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&')).join('|');
    const results = {};
    for (const metric of config.metrics)
        if ('query' in metric)
            results[metric.name] = await query(metric.query.replaceAll('$pods', podsRegex)).catch(() => undefined);
    return results;
}
/** Measures a track over the step window. */
async function measureTrack(options, track) {
    const { api, config, windowMs } = options;
    const restartsBefore = await restartsOf(api, track);
    const before = await scrape(api, track, config.metricsPath);
    const checkFailures = await runChecks(api, track, config.checks);
    const loadChecks = config.checks.filter((c) => c.load);
    const load = await drive(api, track, loadChecks.length > 0 ? loadChecks : [DEFAULT_CHECK], config.requests, windowMs, config.concurrency);
    const after = before ? await scrape(api, track, config.metricsPath) : undefined;
    const delta = before && after ? increase(before, after) : undefined;
    const counts = delta ? errorCounts(delta) : undefined;
    const p95 = delta ? bucketQuantile(0.95, buckets(delta)) : undefined;
    return {
        pods: track.pods,
        requests: load.requests,
        errors: load.errors + Object.keys(checkFailures).length,
        p95Ms: percentile(load.latencies, 95),
        checkFailures,
        restarts: (await restartsOf(api, track)) - restartsBefore,
        podErrorRate: counts && counts.requests > 0 ? counts.errors / counts.requests : undefined,
        podP95Ms: p95 === undefined ? undefined : p95 * 1000,
        queries: await queryAll(config, track, options.query),
    };
}

;// CONCATENATED MODULE: ./src/analysis/prometheus.ts
/**
 * Instant queries against a Prometheus HTTP API (`GET /api/v1/query`), and
 * the reachability probe run before anything changes: an unreachable
 * `prometheus-url` must stop the deploy while stable is untouched.
 */

const TIMEOUT_MS = 10_000;
/** The sample values of an instant query's answer (vector or scalar). */
function sampleValues(body) {
    if (!record_isRecord(body) || body['status'] !== 'success' || !record_isRecord(body['data']))
        return [];
    const { resultType, result } = body['data'];
    if (resultType === 'scalar' && Array.isArray(result))
        return [Number(result[1])];
    if (resultType !== 'vector' || !Array.isArray(result))
        return [];
    return result
        .map((r) => (record_isRecord(r) && Array.isArray(r['value']) ? Number(r['value'][1]) : Number.NaN))
        .filter((v) => !Number.isNaN(v));
}
async function instantQuery(base, promql, fetcher = fetch) {
    const url = `${base}/api/v1/query?query=${encodeURIComponent(promql)}`;
    const answer = await fetcher(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    const text = await answer.text();
    if (answer.status !== 200)
        throw new errors_ActionError(`Prometheus answered ${answer.status} to ${promql}`);
    return sampleValues(JSON.parse(text));
}
/** The worst sample for a threshold direction ("higher is worse" for < and <=). */
function worstSample(values, higherIsWorse) {
    if (values.length === 0)
        return undefined;
    return higherIsWorse ? Math.max(...values) : Math.min(...values);
}
/** Fails, naming the URL, unless Prometheus answers a trivial query. */
async function probePrometheus(base, fetcher = fetch) {
    try {
        const values = await instantQuery(base, 'vector(1)', fetcher);
        if (values[0] !== 1)
            throw new errors_ActionError('the answer to vector(1) is not a vector holding 1');
    }
    catch (error) {
        const why = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
        throw new errors_ActionError(`canary-analysis: prometheus-url ${base} is not a reachable Prometheus HTTP API (${why}); nothing was changed.`);
    }
}

;// CONCATENATED MODULE: ./src/strategy/targets.ts
/**
 * What a progressive deploy works on, found in the manifests: the
 * Deployment, the Services that select its pods and the Ingresses that route
 * to those Services; and the objects it creates next to them (the canary
 * Deployment, the ingress-nginx canary Service and Ingress). Pure.
 */


const TRACK_LABEL = 'deploy-k8s.pipeline-actions.dev/track';
const CANARY_OF = 'deploy-k8s.pipeline-actions.dev/canary-of';
const CANARY_STEP = 'deploy-k8s.pipeline-actions.dev/canary-step';
const CANARY_PAUSED = 'deploy-k8s.pipeline-actions.dev/paused';
const NGINX = 'nginx.ingress.kubernetes.io';
const labelsOf = (value) => recordOf(value);
function templateLabels(deployment) {
    return labelsOf(recordOf(recordOf(recordOf(deployment['spec'])['template'])['metadata'])['labels']);
}
function serviceSelector(service) {
    return labelsOf(recordOf(service['spec'])['selector']);
}
/** Does a selector (non-empty) select pods with these labels? */
function selects(selector, labels) {
    const entries = Object.entries(selector);
    return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}
/** Service names an Ingress routes to (default backend and every rule path). */
function ingressServices(ingress) {
    const spec = recordOf(ingress['spec']);
    const names = [recordOf(recordOf(spec['defaultBackend'])['service'])['name']];
    for (const rule of arrayOf(spec['rules']))
        for (const path of arrayOf(recordOf(rule['http'])['paths']))
            names.push(recordOf(recordOf(path['backend'])['service'])['name']);
    return names.filter((n) => typeof n === 'string');
}
/** The first Deployment of the manifests and what routes to it; a message when there is none. */
function findTarget(objects) {
    const deployments = objects.filter((o) => o.kind === 'Deployment' && o.apiVersion === 'apps/v1');
    const deployment = deployments[0];
    if (!deployment)
        return 'the manifests hold no apps/v1 Deployment for the canary or blue-green strategy to work on';
    if (deployments.length > 1)
        return `the manifests hold ${deployments.length} Deployments (${deployments.map((d) => d.metadata.name).join(', ')}); a canary or blue-green deploy works on one: deploy the others separately`;
    const labels = templateLabels(deployment);
    const services = objects.filter((o) => o.kind === 'Service' && selects(serviceSelector(o), labels));
    if (services.length === 0)
        return `no Service in the manifests selects the pods of Deployment ${deployment.metadata.name}; the traffic split needs one`;
    const names = new Set(services.map((s) => s.metadata.name));
    const ingresses = objects.filter((o) => o.kind === 'Ingress' && ingressServices(o).some((n) => names.has(n)));
    return { deployment, services, ingresses };
}
/** The canary Deployment: the new spec under `<name>-canary`, its pods labelled as the canary track. */
function canaryDeployment(deployment, replicas, options) {
    const canary = structuredClone(deployment);
    const name = deployment.metadata.name;
    canary.metadata = {
        ...canary.metadata,
        name: `${name}-canary`,
        labels: { ...canary.metadata.labels, [TRACK_LABEL]: 'canary' },
        annotations: {
            ...canary.metadata.annotations,
            [CANARY_OF]: name,
            [CANARY_STEP]: options.step,
            [CANARY_PAUSED]: String(options.paused),
        },
    };
    const spec = recordOf(canary['spec']);
    spec['replicas'] = replicas;
    const selector = recordOf(spec['selector']);
    const template = recordOf(spec['template']);
    const meta = recordOf(template['metadata']);
    const relabel = (labels) => {
        const out = { ...labels, [TRACK_LABEL]: 'canary' };
        for (const key of options.relabel ?? [])
            if (out[key] !== undefined)
                out[key] = `${out[key]}-canary`;
        return out;
    };
    selector['matchLabels'] = relabel(labelsOf(selector['matchLabels']));
    meta['labels'] = relabel(labelsOf(meta['labels']));
    template['metadata'] = meta;
    spec['selector'] = selector;
    spec['template'] = template;
    canary['spec'] = spec;
    return canary;
}
/** ingress-nginx mode: a Service selecting only the canary pods. */
function canaryService(service) {
    const canary = structuredClone(service);
    canary.metadata = {
        name: `${service.metadata.name}-canary`,
        ...(service.metadata.namespace ? { namespace: service.metadata.namespace } : {}),
        labels: { ...service.metadata.labels, [TRACK_LABEL]: 'canary' },
    };
    const spec = recordOf(canary['spec']);
    const selector = {};
    for (const [k, v] of Object.entries(serviceSelector(service)))
        selector[k] = `${v}-canary`;
    spec['selector'] = { ...selector, [TRACK_LABEL]: 'canary' };
    for (const field of ['clusterIP', 'clusterIPs', 'nodePort'])
        delete spec[field];
    canary['spec'] = spec;
    return canary;
}
/**
 * ingress-nginx mode: a copy of the Ingress that routes `weight` percent of
 * its traffic to the canary Services (nginx.ingress.kubernetes.io/canary).
 */
function canaryIngress(ingress, services, weight) {
    const canary = structuredClone(ingress);
    const annotations = Object.fromEntries(Object.entries(ingress.metadata.annotations ?? {}).filter(([k]) => !k.startsWith(`${NGINX}/canary`)));
    canary.metadata = {
        name: `${ingress.metadata.name}-canary`,
        ...(ingress.metadata.namespace ? { namespace: ingress.metadata.namespace } : {}),
        labels: { ...ingress.metadata.labels, [TRACK_LABEL]: 'canary' },
        annotations: {
            ...annotations,
            [`${NGINX}/canary`]: 'true',
            [`${NGINX}/canary-weight`]: String(weight),
            [`${NGINX}/canary-weight-total`]: '100',
        },
    };
    const rename = (backend) => {
        const service = recordOf(recordOf(backend)['service']);
        if (typeof service['name'] === 'string' && services.has(service['name']))
            service['name'] = `${service['name']}-canary`;
    };
    const spec = recordOf(canary['spec']);
    if (record_isRecord(spec['defaultBackend']))
        rename(spec['defaultBackend']);
    for (const rule of arrayOf(spec['rules']))
        for (const path of arrayOf(recordOf(rule['http'])['paths']))
            rename(path['backend']);
    // TLS stays with the main Ingress: a canary Ingress only adds a weighted backend to the main one's locations.
    delete spec['tls'];
    return canary;
}
/** The container port the analysis talks to: the first declared one (8080 without any). */
function httpPort(deployment, override) {
    if (override)
        return override;
    const containers = arrayOf(recordOf(recordOf(recordOf(deployment['spec'])['template'])['spec'])['containers']);
    const port = arrayOf(containers[0]?.['ports'])[0]?.['containerPort'];
    return typeof port === 'number' ? port : 8080;
}

;// CONCATENATED MODULE: ./src/strategy/session.ts
/**
 * What a canary or blue-green run shares: the options of the inner rolling
 * deploys, the strategy inputs, the report being written, the Lease held
 * for the whole run, and the steps common to both strategies (the dry run
 * before anything changes, pods of a track, waiting for a workload).
 */










function prepared(object, options, namespace) {
    const copy = structuredClone(object);
    replaceImages(copy, options.images);
    stampAnnotations(copy, options.annotations);
    copy.metadata.namespace = namespace;
    return copy;
}
/** The session, or a DeployError (nothing changed) when the manifests do not fit the strategy. */
function openSession(options) {
    const { deploy: opts, inputs } = options;
    const clock = opts.clock ?? Date.now;
    const log = opts.log ?? (() => undefined);
    const report = emptyReport(false);
    const objects = opts.objects.map((o) => o.object);
    const found = findTarget(objects);
    if (typeof found === 'string') {
        report.failure = `strategy ${inputs.strategy}: ${found}. Nothing was changed.`;
        throw new DeployError(report.failure, report);
    }
    const namespace = opts.namespace ?? found.deployment.metadata.namespace ?? opts.api.contextNamespace ?? 'default';
    const target = {
        deployment: prepared(found.deployment, opts, namespace),
        services: found.services.map((s) => prepared(s, opts, namespace)),
        ingresses: found.ingresses.map((i) => prepared(i, opts, namespace)),
    };
    const progressive = {
        strategy: inputs.strategy === 'blue-green' ? 'blue-green' : 'canary',
        traffic: inputs.strategy === 'blue-green' ? 'service' : target.ingresses.length > 0 ? 'ingress' : 'pods',
        canary: `${namespace}/${target.deployment.metadata.name}-canary`,
        action: inputs.action,
        steps: [],
    };
    report.progressive = progressive;
    const group = opts.phase ?? ((_n, body) => body());
    return {
        api: opts.api,
        options: opts,
        inputs,
        report,
        progressive,
        namespace,
        target,
        clock,
        log,
        mark: (text) => void report.timeline.push({ at: clock(), text }),
        phase: async (name, body) => {
            const start = clock();
            let ok = false;
            try {
                const result = await group(name, body);
                ok = true;
                return result;
            }
            finally {
                report.phases.push({ name, start, end: clock(), ok });
            }
        },
    };
}
/** The server-side dry run of every manifest: a bad manifest stops the run before anything changes. */
async function validateAll(session) {
    await session.phase('Validate (server-side dry run)', async () => {
        try {
            const dry = await deploy({ ...session.options, dryRun: true, lock: false, phase: undefined });
            session.report.diffs = dry.diffs;
            session.report.resources = dry.resources;
        }
        catch (error) {
            if (error instanceof DeployError)
                Object.assign(session.report, { resources: error.report.resources });
            throw error;
        }
    });
}
/** The deployment Lease, held for the whole progressive run (the inner deploys run with lock: false). */
async function session_holdLock(session) {
    const { options } = session;
    if (!options.lock)
        return undefined;
    const name = leaseName(applicationName(options.objects.map((o) => o.object)));
    return session.phase('Acquire lock', async () => {
        const held = await acquireLock({
            api: session.api,
            namespace: session.namespace,
            name,
            holder: options.holder,
            fieldManager: options.fieldManager,
            waitMs: options.timeoutMs,
            log: session.log,
        });
        session.report.lock = { name, namespace: session.namespace, waitedMs: held.waitedMs };
        session.mark(`lock ${session.namespace}/${name} acquired`);
        return held;
    });
}
/** The rolling deploy of every manifest (the last canary step, or blue-green's non-routing objects). */
async function rollingDeployAll(session, objects = session.options.objects) {
    try {
        return await deploy({ ...session.options, objects, lock: false });
    }
    catch (error) {
        if (error instanceof DeployError)
            mergeInner(session, error.report);
        throw error;
    }
}
/** Copies what an inner rolling deploy recorded into the session's report. */
function mergeInner(session, inner) {
    const { report } = session;
    report.resources = inner.resources;
    report.revision = inner.revision;
    report.previousRevision = inner.previousRevision;
    report.backupFile = inner.backupFile;
    report.failingPods.push(...inner.failingPods);
    report.workloadEvents.push(...inner.workloadEvents);
    report.timeline.push(...inner.timeline);
    report.phases.push(...inner.phases);
    report.status = inner.status;
    if (inner.failure)
        report.failure = inner.failure;
}
/** Follows a workload's rollout with the run's timeout and failure grace. */
async function waitFor(session, workload) {
    const { options } = session;
    return waitForRollout({
        api: session.api,
        workload,
        timeoutMs: options.timeoutMs,
        graceMs: options.failureGraceMs,
        settleMs: 0,
        clock: session.clock,
        log: session.log,
        timeline: (entry) => void session.report.timeline.push(entry),
    });
}
/** Names of the Running, Ready, not terminating pods a label selector picks. */
async function readyPods(api, namespace, labelSelector) {
    const { items } = await api.list('v1', 'Pod', namespace, { labelSelector });
    return items
        .filter((p) => !p.metadata['deletionTimestamp'])
        .filter((p) => arrayOf(recordOf(p['status'])['conditions']).some((c) => c.type === 'Ready' && c.status === 'True'))
        .map((p) => p.metadata.name)
        .sort();
}
/** Waits (bounded) until no pod of the selector is left, terminating ones included. */
async function podsGone(api, namespace, labelSelector, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const { items } = await api.list('v1', 'Pod', namespace, { labelSelector });
        if (items.length === 0)
            return true;
        if (Date.now() > deadline)
            return false;
        await new Promise((resolve) => setTimeout(resolve, 250));
    }
}
const selectorOf = (deployment) => selectorString(recordOf(deployment['spec'])['selector']);
function deploymentRef(session, name) {
    return { ...refOf(session.target.deployment), name };
}
/** After a dry run only (aborted, paused, rejected): say what happened to each object instead of "would ...". */
function notApplied(session, why) {
    for (const resource of session.report.resources)
        if (resource.result.startsWith('would '))
            resource.result = `not applied (${why})`;
}

;// CONCATENATED MODULE: ./src/strategy/analyse.ts
/**
 * One analysis window: the new track's pods and stable's measured at once
 * (same window, same path through the API server), then judged.
 */






function queryFunction(options) {
    const url = options.inputs.analysis.prometheusUrl;
    if (options.query) {
        const query = options.query;
        return (promql) => query(promql, true);
    }
    if (!url)
        return () => Promise.resolve(undefined);
    return async (promql) => worstSample(await instantQuery(url, promql), true);
}
/** Before anything changes: an unreachable Prometheus stops the run. */
async function preflight(session) {
    const url = session.inputs.analysis.prometheusUrl;
    if (!url)
        return;
    try {
        await probePrometheus(url);
    }
    catch (error) {
        session.report.failure = error instanceof Error ? error.message : String(error);
        throw new DeployError(session.report.failure, session.report);
    }
}
async function analyseStep(session, query, selectors) {
    const { api, inputs, namespace } = session;
    const config = inputs.analysis;
    const port = httpPort(session.target.deployment, config.metricsPort);
    const options = { api, config, windowMs: inputs.stepDurationMs, query };
    const canaryPods = await readyPods(api, namespace, selectors.canary);
    const stablePods = selectors.stable && config.compare ? await readyPods(api, namespace, selectors.stable) : [];
    session.log(`Analysing ${canaryPods.length} new pod(s)${stablePods.length > 0 ? ` against ${stablePods.length} stable pod(s)` : ''} for ${inputs.stepDurationMs / 1000} s`);
    const [canary, stable] = await Promise.all([
        measureTrack(options, { namespace, pods: canaryPods, port }),
        stablePods.length > 0 ? measureTrack(options, { namespace, pods: stablePods, port }) : Promise.resolve(undefined),
    ]);
    return { verdict: judgeStep(config, canary, stable), canary, stable };
}

;// CONCATENATED MODULE: ./src/strategy/colours.ts


const COLOR_LABEL = 'deploy-k8s.pipeline-actions.dev/color';
const PREVIOUS_SELECTOR = 'deploy-k8s.pipeline-actions.dev/previous-selector';
/** The colour a live selector routes to; undefined when it routes to an uncoloured Deployment. */
function liveColour(selector) {
    const value = selector[COLOR_LABEL];
    return value === 'blue' || value === 'green' ? value : undefined;
}
const otherColour = (colour) => (colour === 'blue' ? 'green' : 'blue');
/** `<name>-<colour>` with the colour label on the Deployment, its selector and its pods. */
function colourDeployment(deployment, colour) {
    const copy = structuredClone(deployment);
    copy.metadata = {
        ...copy.metadata,
        name: `${deployment.metadata.name}-${colour}`,
        labels: { ...copy.metadata.labels, [COLOR_LABEL]: colour },
    };
    const spec = recordOf(copy['spec']);
    const selector = recordOf(spec['selector']);
    selector['matchLabels'] = { ...labelsOf(selector['matchLabels']), [COLOR_LABEL]: colour };
    const template = recordOf(spec['template']);
    const meta = recordOf(template['metadata']);
    meta['labels'] = { ...labelsOf(meta['labels']), [COLOR_LABEL]: colour };
    template['metadata'] = meta;
    spec['selector'] = selector;
    spec['template'] = template;
    copy['spec'] = spec;
    return copy;
}
/** The Service with `selector`; `previous` is recorded for a switch back. */
function routedService(service, selector, previous) {
    const copy = structuredClone(service);
    copy.metadata = {
        ...copy.metadata,
        annotations: {
            ...copy.metadata.annotations,
            ...(previous ? { [PREVIOUS_SELECTOR]: JSON.stringify(previous) } : {}),
        },
    };
    copy['spec'] = { ...recordOf(copy['spec']), selector: { ...selector } };
    return copy;
}
/** `<service>-preview`: the Service's ports, selecting only the new colour. */
function previewService(service, colour) {
    const spec = recordOf(structuredClone(service['spec']));
    for (const field of ['clusterIP', 'clusterIPs', 'nodePort', 'loadBalancerIP', 'externalIPs'])
        delete spec[field];
    if (spec['type'] === 'LoadBalancer' || spec['type'] === 'NodePort')
        spec['type'] = 'ClusterIP';
    spec['selector'] = { ...colourSelector(serviceSelector(service), colour) };
    return {
        apiVersion: service.apiVersion,
        kind: 'Service',
        metadata: {
            name: `${service.metadata.name}-preview`,
            ...(service.metadata.namespace ? { namespace: service.metadata.namespace } : {}),
            labels: { ...service.metadata.labels, [COLOR_LABEL]: colour },
        },
        spec,
    };
}
/** The manifests' selector narrowed to a colour (without any pin of an earlier switch). */
function colourSelector(selector, colour) {
    const out = Object.fromEntries(Object.entries(selector).filter(([k]) => k !== 'pod-template-hash'));
    return { ...out, [COLOR_LABEL]: colour };
}
/** The selector recorded by the last switch, if it is one. */
function previousSelector(service) {
    const raw = service?.metadata.annotations?.[PREVIOUS_SELECTOR];
    if (!raw)
        return undefined;
    try {
        const parsed = JSON.parse(raw);
        const labels = labelsOf(parsed);
        return Object.keys(labels).length > 0 ? labels : undefined;
    }
    catch {
        return undefined;
    }
}

;// CONCATENATED MODULE: ./src/strategy/blue-green.ts
/**
 * The blue-green strategy. The new colour (`<name>-blue` or `<name>-green`)
 * starts next to the live one, is analysed through its own preview Service
 * against the live pods, then the live Service's selector switches to it.
 * The old colour is kept (blue-green-keep, the default) for `action:
 * switch-back`, which restores the selector the switch replaced.
 *
 * The first switch away from an uncoloured Deployment pins the live Service
 * to that Deployment's current pods (their pod-template-hash) before the new
 * colour starts, since the manifests' selector would pick the new pods too.
 */





const blue_green_liveService = (session) => session.target.services[0];
const serviceRef = (session, name) => ({
    apiVersion: 'v1',
    kind: 'Service',
    name,
    namespace: session.namespace,
});
const selectorText = (s) => Object.entries(s)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
const blue_green_apply = (session, object) => session.api.apply(object, { fieldManager: session.options.fieldManager, dryRun: false });
function blue_green_fail(session, status, message) {
    session.report.status = status;
    notApplied(session, status === 'aborted' ? 'preview aborted' : 'not started');
    session.report.failure = message;
    throw new DeployError(message, session.report);
}
/** Points every target Service at `selector`, recording what each selected before. */
async function route(session, selector, previous) {
    for (const service of session.target.services)
        await blue_green_apply(session, routedService(service, selector, previous));
    session.mark(`live Service(s) now select ${selectorText(selector)}`);
}
/** An uncoloured live Deployment: pin the Service to its current pods so the new colour gets no live traffic. */
async function pinUncoloured(session, live) {
    if (liveColour(live) || live['pod-template-hash'])
        return live;
    const { items } = await session.api.list('v1', 'Pod', session.namespace, { labelSelector: selectorText(live) });
    const hashes = new Set(items.map((p) => p.metadata.labels?.['pod-template-hash']).filter((h) => !!h));
    if (hashes.size !== 1)
        blue_green_fail(session, 'failed', `blue-green: the live pods of ${selectorText(live)} are not of one ReplicaSet (${hashes.size} pod-template-hash values); wait until the live Deployment has finished rolling out. Nothing was changed.`);
    const pinned = { ...live, 'pod-template-hash': [...hashes][0] };
    await route(session, pinned, live);
    return pinned;
}
async function removeColour(session, colour) {
    const name = `${session.target.deployment.metadata.name}-${colour}`;
    await session.api.remove(deploymentRef(session, name));
    await session.api.remove(serviceRef(session, `${blue_green_liveService(session).metadata.name}-preview`));
    await podsGone(session.api, session.namespace, selectorOf(colourDeployment(session.target.deployment, colour)), session.options.timeoutMs);
    session.progressive.stableOnlyAt = session.clock();
    session.mark(`${name} and the preview Service deleted: only the live colour serves`);
}
/** Starts and analyses the new colour; true when it passed. */
async function preview(session, colour, live) {
    const step = {
        step: 1,
        weight: 0,
        effectiveWeight: 0,
        canaryReplicas: 0,
        stableReplicas: 0,
        startedAt: session.clock(),
        endedAt: 0,
        outcome: 'passed',
    };
    session.progressive.steps.push(step);
    await session.phase(`Preview ${colour}`, async () => {
        const applied = await blue_green_apply(session, colourDeployment(session.target.deployment, colour));
        await blue_green_apply(session, previewService(blue_green_liveService(session), colour));
        const rollout = await waitFor(session, applied);
        if (rollout.outcome !== 'complete') {
            step.failure = `the ${colour} rollout ${rollout.outcome}: ${rollout.message}`;
            session.report.failingPods.push(...rollout.failingPods);
            return;
        }
        const query = queryFunction({ deploy: session.options, inputs: session.inputs });
        const result = await analyseStep(session, query, { canary: selectorOf(applied), stable: selectorText(live) });
        Object.assign(step, {
            verdict: result.verdict,
            canary: result.canary,
            ...(result.stable ? { stable: result.stable } : {}),
        });
        step.canaryReplicas = result.canary.pods.length;
        step.stableReplicas = result.stable?.pods.length ?? 0;
        session.mark(`${colour} analysis: ${result.verdict.ok ? 'passed' : `failed (${result.verdict.reason ?? ''})`}`);
    });
    step.endedAt = session.clock();
    if (step.failure || step.verdict?.ok === false)
        step.outcome = 'failed';
    return step;
}
/** Switches to the new colour, applies the other manifests, then keeps or deletes the old colour. */
async function switchTo(session, colour, live) {
    const selector = colourSelector(serviceSelector(blue_green_liveService(session)), colour);
    await session.phase(`Switch to ${colour}`, () => route(session, selector, live));
    session.progressive.steps.push({
        step: session.progressive.steps.length + 1,
        weight: 100,
        effectiveWeight: 100,
        canaryReplicas: 0,
        stableReplicas: 0,
        startedAt: session.clock(),
        endedAt: session.clock(),
        outcome: 'switched',
    });
    session.progressive.liveColor = colour;
    await session.api.remove(serviceRef(session, `${blue_green_liveService(session).metadata.name}-preview`));
    const routing = new Set([session.target.deployment, ...session.target.services].map((o) => `${o.kind}/${o.metadata.name}`));
    const rest = session.options.objects.filter((o) => !routing.has(`${o.object.kind}/${o.object.metadata.name}`));
    if (rest.length > 0)
        mergeInner(session, await rollingDeployAll(session, rest));
    const old = liveColour(live);
    if (session.inputs.blueGreenKeep) {
        session.progressive.keptColor = old ?? session.target.deployment.metadata.name;
        session.mark(`kept ${old ?? 'the uncoloured Deployment'} for a switch back`);
    }
    else {
        await session.api.remove(deploymentRef(session, old ? `${session.target.deployment.metadata.name}-${old}` : session.target.deployment.metadata.name));
        session.mark(`deleted the previous ${old ?? 'uncoloured'} Deployment (blue-green-keep: false)`);
    }
    // The uncoloured Deployment of the first switch is two switches old once a colour was live: nothing routes to it.
    if (old && (await session.api.remove(deploymentRef(session, session.target.deployment.metadata.name))))
        session.mark(`deleted the uncoloured Deployment ${session.target.deployment.metadata.name} (replaced by colours)`);
    session.report.status = 'deployed';
    return session.report;
}
async function switchBack(session, current) {
    const previous = previousSelector(current);
    if (!current || !previous)
        blue_green_fail(session, 'failed', `action switch-back: the live Service ${blue_green_liveService(session).metadata.name} records no earlier selector to switch back to. Nothing was changed.`);
    const pods = await readyPods(session.api, session.namespace, selectorText(previous));
    if (pods.length === 0)
        blue_green_fail(session, 'failed', `action switch-back: no ready pod matches the earlier selector ${selectorText(previous)} (was the old colour kept?). Nothing was changed.`);
    await session.phase('Switch back', () => route(session, previous, serviceSelector(current)));
    session.progressive.liveColor = liveColour(previous) ?? 'uncoloured';
    session.report.status = 'rolled-back';
    return session.report;
}
async function runBlueGreen(session) {
    const { api, inputs } = session;
    const current = await api.get(serviceRef(session, blue_green_liveService(session).metadata.name));
    if (inputs.action === 'switch-back')
        return switchBack(session, current);
    const preview_ = await api.get(serviceRef(session, `${blue_green_liveService(session).metadata.name}-preview`));
    const live = current ? serviceSelector(current) : {};
    if (inputs.action !== 'deploy') {
        const colour = liveColour(labelsOf(preview_?.metadata.labels));
        if (!preview_ || !colour)
            blue_green_fail(session, 'failed', `action ${inputs.action}: there is no paused preview to ${inputs.action}. Nothing was changed.`);
        if (inputs.action === 'reject') {
            await session.phase(`Remove ${colour}`, () => removeColour(session, colour));
            blue_green_fail(session, 'aborted', `Preview ${colour} rejected (action: reject) and deleted; the live colour was not touched.`);
        }
        return switchTo(session, colour, live);
    }
    if (preview_)
        blue_green_fail(session, 'failed', `A paused preview ${preview_.metadata.name} waits for a decision: run with action: promote or action: reject first. Nothing was changed.`);
    const livePods = current ? await readyPods(api, session.namespace, selectorText(live)) : [];
    if (livePods.length === 0) {
        session.mark('nothing live yet: deployed with the rolling strategy');
        mergeInner(session, await rollingDeployAll(session));
        return session.report;
    }
    const colour = otherColour(liveColour(live));
    session.progressive.canary = `${session.namespace}/${session.target.deployment.metadata.name}-${colour}`;
    const pinned = await pinUncoloured(session, live);
    const step = await preview(session, colour, pinned);
    if (step.outcome === 'failed') {
        await session.phase(`Remove ${colour}`, () => removeColour(session, colour));
        blue_green_fail(session, 'aborted', `Blue-green aborted: ${step.failure ?? step.verdict?.reason ?? 'the analysis failed'}\nThe ${colour} Deployment was deleted; the live one was not touched.`);
    }
    if (inputs.promote === 'manual') {
        step.outcome = 'paused';
        session.report.status = 'paused';
        notApplied(session, 'paused at the manual gate');
        session.mark(`paused: ${colour} is previewed; run with action: promote or action: reject`);
        return session.report;
    }
    return switchTo(session, colour, pinned);
}

;// CONCATENATED MODULE: ./src/strategy/config-copies.ts
/**
 * The canary's own configuration. The manifests' other objects are applied
 * only with the final promotion, so a canary whose new version needs a
 * changed ConfigMap or Secret would run with the live (old) one. As Flagger
 * does, the ConfigMaps and Secrets of the manifests that the pod template
 * references are copied under `<name>-canary` and the canary's template
 * points at the copies: the canary sees the new values, stable keeps the
 * live ones until the promotion applies them. The copies go with the canary
 * (abort, reject, promotion). Pure.
 */



/** On the canary Deployment: the copies it uses (`ConfigMap/a-canary,Secret/b-canary`), for a later run to delete. */
const CONFIG_COPIES = 'deploy-k8s.pipeline-actions.dev/config-copies';
const copyName = (name) => `${name}-canary`;
const key = (kind, name) => `${kind}/${name}`;
/** Every place a pod spec names a ConfigMap or Secret: volumes (plain and projected), envFrom, env valueFrom. */
function visitReferences(podSpec, visit) {
    const both = (holder, configMap, secret, secretField) => {
        if (record_isRecord(holder[configMap]))
            visit('ConfigMap', holder[configMap], 'name');
        if (record_isRecord(holder[secret]))
            visit('Secret', holder[secret], secretField);
    };
    for (const volume of arrayOf(podSpec['volumes'])) {
        both(volume, 'configMap', 'secret', 'secretName');
        for (const source of arrayOf(recordOf(volume['projected'])['sources']))
            both(source, 'configMap', 'secret', 'name');
    }
    for (const list of ['initContainers', 'containers', 'ephemeralContainers'])
        for (const container of arrayOf(podSpec[list])) {
            for (const from of arrayOf(container['envFrom']))
                both(from, 'configMapRef', 'secretRef', 'name');
            for (const env of arrayOf(container['env']))
                if (record_isRecord(env['valueFrom']))
                    both(env['valueFrom'], 'configMapKeyRef', 'secretKeyRef', 'name');
        }
}
const config_copies_podSpecOf = (deployment) => recordOf(recordOf(recordOf(deployment['spec'])['template'])['spec']);
/** The ConfigMaps and Secrets a Deployment's pod template names, `Kind/name`, each once, in order. */
function referencedConfig(deployment) {
    const found = [];
    visitReferences(config_copies_podSpecOf(deployment), (kind, holder, field) => {
        const name = holder[field];
        if (typeof name === 'string' && !found.includes(key(kind, name)))
            found.push(key(kind, name));
    });
    return found;
}
/**
 * The copies of the manifests' ConfigMaps and Secrets that `deployment`
 * references (only those the manifests carry: config managed elsewhere is not
 * the new version's and stays shared), in `namespace`, marked as the canary's.
 */
function configCopies(objects, deployment, namespace) {
    const wanted = referencedConfig(deployment);
    const owner = deployment.metadata.name;
    return objects
        .filter((o) => o.apiVersion === 'v1' &&
        (o.kind === 'ConfigMap' || o.kind === 'Secret') &&
        (o.metadata.namespace ?? namespace) === namespace &&
        wanted.includes(key(o.kind, o.metadata.name)))
        .map((original) => {
        const { metadata, ...content } = structuredClone(original);
        // An immutable copy could not take the next run's values under the same name.
        delete content['immutable'];
        return {
            ...content,
            apiVersion: 'v1',
            kind: original.kind,
            metadata: {
                name: copyName(metadata.name),
                namespace,
                labels: { ...metadata.labels, [TRACK_LABEL]: 'canary' },
                annotations: { [CANARY_OF]: owner },
            },
        };
    });
}
/**
 * Points the canary Deployment's pod template at the copies (in place) and
 * records them in its CONFIG_COPIES annotation; references to anything not
 * copied are left as they are.
 */
function useCopies(canary, copies) {
    if (copies.length === 0)
        return canary;
    const originals = new Map(copies.map((c) => [key(c.kind, c.metadata.name.replace(/-canary$/, '')), c]));
    visitReferences(config_copies_podSpecOf(canary), (kind, holder, field) => {
        const name = holder[field];
        if (typeof name === 'string' && originals.has(key(kind, name)))
            holder[field] = copyName(name);
    });
    canary.metadata.annotations = {
        ...canary.metadata.annotations,
        [CONFIG_COPIES]: copies.map((c) => key(c.kind, c.metadata.name)).join(','),
    };
    return canary;
}
/** The copies a live canary Deployment recorded (kind and name), to delete with it. */
function recordedCopies(canary) {
    const text = canary?.metadata.annotations?.[CONFIG_COPIES] ?? '';
    return text
        .split(',')
        .map((entry) => /^(ConfigMap|Secret)\/([a-z0-9.-]+)$/.exec(entry.trim()))
        .filter((m) => m !== null)
        .map((m) => ({ kind: m[1], name: m[2] }));
}

;// CONCATENATED MODULE: ./src/strategy/canary.ts
/**
 * The canary strategy. The new version runs as `<name>-canary` next to the
 * stable Deployment, which is never touched until the last step: behind the
 * same Service with a replica ratio approximating each step's weight (pod
 * mode), or behind an ingress-nginx canary Ingress with that weight
 * (ingress mode). Each step is analysed; a failed step deletes the canary
 * and ends `aborted`. The last step (100) is the rolling deploy of every
 * manifest, after which the canary is deleted. `promote: manual` pauses
 * after the first step; `action: promote` / `reject` finish a paused canary.
 */









const canaryName = (session) => `${session.target.deployment.metadata.name}-canary`;
/** The objects of the canary in ingress mode (a Service per routed Service, an Ingress per Ingress). */
function ingressObjects(session, weight) {
    const names = new Set(session.target.services.map((s) => s.metadata.name));
    return [
        ...session.target.services.map((s) => canaryService(s)),
        ...session.target.ingresses.map((i) => canaryIngress(i, names, weight)),
    ];
}
/** The canary's copies of the manifests' ConfigMaps and Secrets its pods reference. */
const copiesOf = (session) => configCopies(session.options.objects.map((o) => o.object), session.target.deployment, session.namespace);
function canaryObject(session, step, replicas, paused) {
    const relabel = session.progressive.traffic === 'ingress'
        ? Object.keys(serviceSelector(session.target.services[0]))
        : [];
    const canary = canaryDeployment(session.target.deployment, replicas, {
        step: `${step}/${session.inputs.steps.length}`,
        paused,
        relabel,
    });
    return useCopies(canary, copiesOf(session));
}
const canarySelector = (session) => selectorOf(canaryObject(session, 0, 0, false));
const canary_apply = (session, object) => session.api.apply(object, { fieldManager: session.options.fieldManager, dryRun: false });
/** Deletes the canary's objects and waits until its pods are gone: from then on only stable serves. */
async function removeCanary(session) {
    const { api, namespace } = session;
    const deployment = canaryObject(session, 0, 0, false);
    // The copies this run would make and those the live canary recorded (an earlier run's manifests may name others).
    const recorded = recordedCopies(await api.get(deploymentRef(session, deployment.metadata.name)));
    const copies = [...copiesOf(session).map((c) => ({ kind: c.kind, name: c.metadata.name })), ...recorded];
    const objects = [deployment, ...(session.progressive.traffic === 'ingress' ? ingressObjects(session, 0) : [])];
    const refs = [
        ...objects.reverse().map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name })),
        ...copies
            .filter((c, i) => copies.findIndex((d) => d.kind === c.kind && d.name === c.name) === i)
            .map((c) => ({ apiVersion: 'v1', kind: c.kind, name: c.name })),
    ];
    for (const ref of refs)
        if (await api.remove({ ...ref, namespace }))
            session.log(`${ref.kind}/${ref.name}: deleted`);
    const gone = await podsGone(api, namespace, canarySelector(session), session.options.timeoutMs);
    session.progressive.stableOnlyAt = session.clock();
    session.mark(gone ? 'canary removed: only stable serves' : 'canary deleted, but its pods were still terminating at the timeout');
}
async function abort(session, why) {
    await session.phase('Abort canary', () => removeCanary(session));
    session.report.status = 'aborted';
    notApplied(session, 'canary aborted');
    session.report.failure = `Canary aborted: ${why}\nThe canary was deleted; the stable Deployment ${describeRef(refOf(session.target.deployment))} was not touched.`;
    throw new DeployError(session.report.failure, session.report);
}
function stableReplicasOf(live) {
    return Math.max(num(recordOf(live['spec'])['replicas']), 1);
}
/** One step below 100: scale the canary to the weight, wait for it, analyse. */
async function runStep(session, index, stable, paused) {
    const weight = session.inputs.steps[index];
    const stableReplicas = stableReplicasOf(stable);
    const replicas = canaryReplicas(weight, stableReplicas);
    const ingress = session.progressive.traffic === 'ingress';
    const step = {
        step: index + 1,
        weight,
        effectiveWeight: ingress ? weight : effectiveWeight(replicas, stableReplicas),
        canaryReplicas: replicas,
        stableReplicas,
        startedAt: session.clock(),
        endedAt: 0,
        outcome: 'passed',
    };
    session.progressive.steps.push(step);
    await session.phase(`Canary step ${index + 1}: ${weight}%`, async () => {
        session.mark(`step ${index + 1}: canary ${replicas} pod(s) next to ${stableReplicas} stable (${step.effectiveWeight}%)`);
        for (const copy of copiesOf(session))
            await canary_apply(session, copy);
        const applied = await canary_apply(session, canaryObject(session, index + 1, replicas, paused));
        if (ingress)
            for (const object of ingressObjects(session, weight))
                await canary_apply(session, object);
        const rollout = await waitFor(session, applied);
        if (rollout.outcome !== 'complete') {
            step.failure = `the canary's rollout ${rollout.outcome}: ${rollout.message}`;
            session.report.failingPods.push(...rollout.failingPods);
            session.progressive.firstBadSignalAt ??= rollout.firstSignalAt ?? session.clock();
            return;
        }
        const stableSelector = `${selectorOf(stable)},!${TRACK_LABEL}`;
        const result = await analyseStep(session, queryFunction({ deploy: session.options, inputs: session.inputs }), {
            canary: canarySelector(session),
            stable: stableSelector,
        });
        Object.assign(step, {
            verdict: result.verdict,
            canary: result.canary,
            ...(result.stable ? { stable: result.stable } : {}),
        });
        if (!result.verdict.ok)
            session.progressive.firstBadSignalAt ??= session.clock();
        session.mark(`step ${index + 1} analysis: ${result.verdict.ok ? 'passed' : `failed (${result.verdict.reason ?? ''})`}`);
    });
    step.endedAt = session.clock();
    if (step.failure || step.verdict?.ok === false)
        step.outcome = 'failed';
    return step;
}
/** The last step: the rolling deploy of every manifest replaces stable; then the canary goes. */
async function promote(session) {
    const step = {
        step: session.inputs.steps.length,
        weight: 100,
        effectiveWeight: 100,
        canaryReplicas: 0,
        stableReplicas: 0,
        startedAt: session.clock(),
        endedAt: 0,
        outcome: 'promoted',
    };
    session.progressive.steps.push(step);
    session.mark('promoting: rolling deploy of the new version to the stable Deployment');
    try {
        const inner = await rollingDeployAll(session);
        mergeInner(session, inner);
    }
    catch (error) {
        step.outcome = 'failed';
        step.failure = error instanceof Error ? error.message : String(error);
        await session.phase('Remove canary', () => removeCanary(session));
        throw error instanceof DeployError ? new DeployError(error.message, session.report) : error;
    }
    finally {
        step.endedAt = session.clock();
    }
    await session.phase('Remove canary', () => removeCanary(session));
    session.report.status = 'deployed';
    return session.report;
}
/** A canary left by an earlier run: a paused one is finished only by promote or reject. */
async function existingCanary(session) {
    return session.api.get(deploymentRef(session, canaryName(session)));
}
async function finishPaused(session, canary) {
    const { action } = session.inputs;
    if (!canary) {
        session.report.failure = `action ${action}: there is no canary ${session.progressive.canary} to ${action}. Nothing was changed.`;
        throw new DeployError(session.report.failure, session.report);
    }
    if (action === 'reject')
        return abort(session, 'rejected (action: reject)');
    const wanted = imagesOf(session.target.deployment).join(', ');
    const running = imagesOf(canary).join(', ');
    if (wanted !== running) {
        session.report.failure = `action promote: the paused canary ${session.progressive.canary} runs ${running}, these manifests give ${wanted}; promote with the images of the paused run, or reject it. Nothing was changed.`;
        throw new DeployError(session.report.failure, session.report);
    }
    return promote(session);
}
async function runCanary(session) {
    const { api, inputs } = session;
    const stable = await api.get(deploymentRef(session, session.target.deployment.metadata.name));
    const canary = await existingCanary(session);
    if (inputs.action !== 'deploy')
        return finishPaused(session, canary);
    if (canary?.metadata.annotations?.[CANARY_PAUSED] === 'true') {
        session.report.failure = `A paused canary ${session.progressive.canary} waits for a decision: run with action: promote or action: reject first. Nothing was changed.`;
        throw new DeployError(session.report.failure, session.report);
    }
    if (canary)
        await session.phase('Remove a leftover canary', () => removeCanary(session));
    if (!stable) {
        session.mark('no stable Deployment yet: nothing to compare with, deployed with the rolling strategy');
        return promote(session);
    }
    for (let index = 0; index < inputs.steps.length - 1; index += 1) {
        const manual = inputs.promote === 'manual' && index === 0;
        const step = await runStep(session, index, stable, manual);
        if (step.outcome === 'failed')
            return abort(session, `step ${step.step} (${step.weight}%): ${step.failure ?? step.verdict?.reason ?? 'failed'}`);
        if (manual) {
            step.outcome = 'paused';
            session.report.status = 'paused';
            notApplied(session, 'paused at the manual gate');
            session.mark(`paused at step 1: run again with action: promote or action: reject`);
            return session.report;
        }
    }
    return promote(session);
}

;// CONCATENATED MODULE: ./src/strategy/run.ts
/**
 * The entry of the progressive strategies: the checks that must pass
 * before anything changes (target found, Prometheus reachable, every
 * manifest valid in a server-side dry run), the Lease held for the whole
 * run, then canary or blue-green.
 */





async function progressiveDeploy(options) {
    // A dry run changes nothing whatever the strategy: validate and show the diff.
    if (options.deploy.dryRun)
        return deploy(options.deploy);
    const session = openSession(options);
    await preflight(session);
    if (options.inputs.action === 'deploy')
        await validateAll(session);
    const lock = await session_holdLock(session);
    try {
        return options.inputs.strategy === 'blue-green' ? await runBlueGreen(session) : await runCanary(session);
    }
    finally {
        await lock?.release().catch((error) => session.log(`Could not release the lock Lease: ${String(error)}`));
    }
}

;// CONCATENATED MODULE: ./src/deployments/github.ts
class GithubDeployments {
    options;
    octokit;
    deploymentId;
    owner;
    repo;
    constructor(options) {
        this.options = options;
        const [owner, repo] = options.inputs.repository.split('/');
        this.owner = owner;
        this.repo = repo;
    }
    get id() {
        return this.deploymentId;
    }
    async client() {
        if (!this.octokit) {
            const { getOctokit } = await __webpack_require__.e(/* import() */ 329).then(__webpack_require__.bind(__webpack_require__, 61329));
            this.octokit = getOctokit(this.options.inputs.token, { baseUrl: this.options.inputs.apiUrl });
        }
        return this.octokit;
    }
    async status(id, state, description, extra = {}) {
        const octokit = await this.client();
        await octokit.request('POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses', {
            owner: this.owner,
            repo: this.repo,
            deployment_id: id,
            state: state,
            description: description.slice(0, 140),
            ...(this.options.logUrl ? { log_url: this.options.logUrl } : {}),
            ...extra,
        });
        this.options.record({
            state,
            at: (this.options.clock ?? Date.now)(),
            deploymentId: id,
            description: description.slice(0, 140),
        });
    }
    async start(description) {
        const octokit = await this.client();
        const { inputs } = this.options;
        const created = await octokit.request('POST /repos/{owner}/{repo}/deployments', {
            owner: this.owner,
            repo: this.repo,
            ref: inputs.ref,
            environment: inputs.environment,
            description: description.slice(0, 140),
            auto_merge: false,
            // The pipeline's own checks already ran; GitHub must not refuse the deployment for missing contexts.
            required_contexts: [],
            production_environment: /^prod/i.test(inputs.environment),
        });
        const id = created.data.id;
        if (typeof id !== 'number')
            throw new Error(`GitHub answered ${created.status} without a deployment id`);
        this.deploymentId = id;
        await this.status(id, 'in_progress', description);
    }
    /** The newest earlier deployment of the environment whose latest status is success (the one this replaces). */
    async replaced() {
        const octokit = await this.client();
        const list = await octokit.request('GET /repos/{owner}/{repo}/deployments', {
            owner: this.owner,
            repo: this.repo,
            environment: this.options.inputs.environment,
            per_page: 30,
        });
        const ids = [];
        for (const deployment of list.data) {
            if (deployment.id === this.deploymentId)
                continue;
            const statuses = await octokit.request('GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses', {
                owner: this.owner,
                repo: this.repo,
                deployment_id: deployment.id,
                per_page: 1,
            });
            // Newest first: the latest successful one is the deployment this one replaces (older ones are inactive already).
            if (statuses.data[0]?.state === 'success') {
                ids.push(deployment.id);
                break;
            }
        }
        return ids;
    }
    async finish(state, description) {
        const id = this.deploymentId;
        if (id === undefined)
            return;
        if (state !== 'success')
            return this.status(id, state, description);
        const previous = await this.replaced();
        const url = this.options.inputs.environmentUrl;
        await this.status(id, 'success', description, { auto_inactive: false, ...(url ? { environment_url: url } : {}) });
        for (const old of previous)
            await this.status(old, 'inactive', `replaced by deployment ${id}`);
    }
}

;// CONCATENATED MODULE: ./src/deployments/track.ts
/**
 * A deploy wrapped in a GitHub deployment: created (in_progress) before
 * anything changes, so a bad token or repository stops the run first; the
 * final state from the deploy's status. A paused canary stays in_progress
 * (the promote or reject run reports its own deployment). A failure to
 * report the final state is a warning: the deploy itself is done by then.
 */


function finalState(report, failed) {
    if (report?.status === 'paused')
        return undefined;
    if (failed)
        return 'failure';
    return 'success';
}
function describeOutcome(report, failed) {
    const status = report?.status ?? 'failed';
    if (!failed)
        return status === 'rolled-back' ? 'switched back to the kept colour' : `deploy-k8s: ${status}`;
    return `deploy-k8s: ${status}${report?.failure ? `: ${report.failure.split('\n')[0] ?? ''}` : ''}`;
}
async function withDeployment(reporter, entries, warn, body) {
    if (!reporter)
        return body();
    try {
        await reporter.start('deploy-k8s started');
    }
    catch (error) {
        throw new Error(`GitHub Deployments: could not create the deployment (${describeError(error)}); nothing was changed.`, { cause: error });
    }
    let report;
    let failure;
    try {
        report = await body();
    }
    catch (error) {
        failure = error;
        if (error instanceof DeployError)
            report = error.report;
    }
    const state = finalState(report, failure !== undefined);
    if (state) {
        await reporter
            .finish(state, describeOutcome(report, failure !== undefined))
            .catch((error) => warn(`GitHub Deployments: could not report ${state} (${describeError(error)})`));
    }
    if (report)
        report.githubDeployments = entries;
    if (failure !== undefined)
        throw failure instanceof Error ? failure : new Error(describeError(failure));
    return report;
}

;// CONCATENATED MODULE: ./src/main.ts
/**
 * Wires the inputs, the manifests, the cluster connection and the deploy
 * together, then writes outputs and the job summary whatever happened. All
 * I/O goes through MainIo, so a unit test can run main against FakeKube.
 */
















/** The Octokit reporter when github-token and environment are set. */
function githubDeployments(inputs, record) {
    const github = inputs.progressive.github;
    return github ? new GithubDeployments({ inputs: github, logUrl: inputs.run.runUrl, record }) : undefined;
}
const runnerIo = {
    getInputs: getInputs,
    ambientKubeconfigs: () => ambientKubeconfigs(process.env),
    preloadClient: () => void preloadClient().catch(() => undefined),
    connect: connect,
    loadManifests: loadManifests,
    setOutput: (name, value) => lib_core/* setOutput */.uH(name, value),
    writeSummary: writeSummary,
    info: (message) => lib_core/* info */.pq(message),
    warning: (message) => lib_core/* warning */.$e(message),
    phase: phase,
    process,
    clock: Date.now,
    pid: process.pid,
    deployments: githubDeployments,
};
/** Who holds the lock: the run's URL (and job), else something unique to this process. */
function lockHolder(inputs, pid) {
    const { run } = inputs;
    const holder = run.runUrl ?? `${run.repository ?? 'local'} run ${run.runId ?? pid}`;
    return run.job ? `${holder} (job ${run.job})` : holder;
}
async function attemptDeploy(io, attempt) {
    const inputs = io.getInputs();
    io.preloadClient();
    const objects = await io.phase('Read manifests', async () => {
        attempt.sources = await readSources({
            manifests: inputs.manifests,
            workspace: inputs.run.workspace,
            allowOutside: inputs.allowOutsideWorkspace,
            images: inputs.images,
            generate: inputs.generate,
            outputDir: inputs.backupDir,
        }, { ...realSourceIo, loadManifests: io.loadManifests, ...io.sourceIo });
        const found = attempt.sources.objects;
        if (attempt.sources.generated)
            io.info(`no manifests matched: generated ${attempt.sources.generated.file}`);
        for (const dir of attempt.sources.kustomized)
            io.info(`rendered ${dir} with kubectl kustomize`);
        io.info(`${found.length} object(s) in the manifests`);
        return found;
    });
    const kubeTexts = inputs.kubeconfig
        ? [inputs.kubeconfig.text, inputs.kubeconfig.original]
        : await io.ambientKubeconfigs();
    attempt.secrets = knownSecrets(kubeTexts);
    // A request the API server could not take (restarting, overloaded) is sent again for up to the 'timeout'.
    const api = await io.connect({
        kubeconfig: inputs.kubeconfig?.text,
        context: inputs.context,
        retryTransientMs: inputs.timeoutMs,
        log: io.info,
    });
    io.info(`API server ${api.server}`);
    const options = {
        api,
        objects,
        namespace: inputs.namespace,
        images: inputs.images,
        annotations: inputs.stampedAnnotations,
        volatileAnnotations: inputs.volatileAnnotations,
        timeoutMs: inputs.timeoutMs,
        rollbackOnFailure: inputs.rollbackOnFailure,
        wait: inputs.wait,
        lock: inputs.lock,
        dryRun: inputs.dryRun,
        fieldManager: inputs.fieldManager,
        failureGraceMs: inputs.failureGraceMs,
        unknownKinds: inputs.unknownKinds,
        settleMs: inputs.settleMs,
        backupDir: inputs.backupDir,
        holder: lockHolder(inputs, io.pid),
        log: io.info,
        warn: io.warning,
        phase: io.phase,
        ...(io.process ? { process: io.process } : {}),
    };
    const { progressive } = inputs;
    const entries = [];
    const reporter = io.deployments?.(inputs, (entry) => {
        entries.push(entry);
        attempt.deploymentId ??= entry.deploymentId;
    });
    attempt.report = await withDeployment(reporter, entries, io.warning, () => progressive.strategy === 'rolling' ? deploy(options) : progressiveDeploy({ deploy: options, inputs: progressive }));
    attempt.service = await deployedService(api, attempt.report, inputs.images, io.info);
}
function writeOutputs(io, attempt, durationMs) {
    const { report, failure } = attempt;
    const status = report?.status ?? 'failed';
    try {
        io.setOutput('status', failure && status !== 'rolled-back' && status !== 'aborted' ? 'failed' : status);
        io.setOutput('revision', report?.revision ?? '');
        io.setOutput('previous-revision', report?.previousRevision ?? '');
        io.setOutput('backup-file', report?.backupFile ?? '');
        io.setOutput('duration-seconds', (durationMs / 1000).toFixed(1));
        io.setOutput('resources', JSON.stringify(report?.resources ?? []));
        io.setOutput('skipped', JSON.stringify(report?.skipped ?? []));
        io.setOutput('generated-manifests', attempt.sources?.generated?.file ?? '');
        io.setOutput('analysis', analysisOutput(report?.progressive));
        io.setOutput('canary', report?.status === 'paused' ? (report.progressive?.canary ?? '') : '');
        io.setOutput('deployment-id', attempt.deploymentId === undefined ? '' : String(attempt.deploymentId));
        io.setOutput('service', attempt.service ?? '');
    }
    catch (error) {
        // Keep the deploy's own error (if any) as the step's failure.
        if (failure === undefined)
            throw error;
        io.warning(`Could not write the outputs: ${describeError(error)}`);
    }
}
async function main(io = runnerIo) {
    const startedAt = io.clock();
    const attempt = { secrets: [] };
    try {
        await attemptDeploy(io, attempt);
    }
    catch (error) {
        attempt.failure = error;
        if (error instanceof DeployError)
            attempt.report = error.report;
    }
    const durationMs = io.clock() - startedAt;
    writeOutputs(io, attempt, durationMs);
    const { failure, report, secrets } = attempt;
    const failureText = failure === undefined ? undefined : describeError(failure);
    await io.writeSummary(() => redaction_redact(buildSummary(report, { durationMs, startedAt, ...(failureText ? { failure: failureText } : {}) }) +
        manifestSourceSummary(attempt.sources), secrets));
    if (failure !== undefined)
        throw failure instanceof Error ? failure : new Error(describeError(failure));
}

;// CONCATENATED MODULE: ./src/start.ts


function start() {
    void run(main);
}


/***/ })

};
