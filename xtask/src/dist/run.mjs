// Runs this bundle's command (the one *-command.wasm file beside this script, a WASI
// preview 1 program) on Node's built-in WASI, node:wasi (Node.js 20 or newer; nothing to
// install): one JSON request in, one JSON response out.
//
//   node run.mjs < example/request.json    the response to a request on stdin
//   node run.mjs example/request.json      the same, the request read from a file
//   node run.mjs --check                   runs example/request.json and compares the
//                                          response with example/response.json
//
// The guest gets the request on stdin and nothing else: no files, no environment, no
// arguments but its name. The exit code is the command's (0 for a served request, also
// when the service refuses the input; 2 for a request it cannot read).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';

// Node 20's node:wasi can crash when V8 optimises its calls into fast API calls
// (nodejs/node#46777); without them it cannot. Set before any code is optimised.
v8.setFlagsFromString('--no-turbo-fast-api-calls');
// node:wasi warns that it is experimental on every start; that is noise here.
const emitWarning = process.emitWarning;
process.emitWarning = (warning, ...rest) =>
  String(warning).includes('WASI') ? undefined : emitWarning.call(process, warning, ...rest);
const { WASI } = await import('node:wasi');

const here = path.dirname(fileURLToPath(import.meta.url));
const commands = fs.readdirSync(here).filter((f) => f.endsWith('-command.wasm'));
if (commands.length !== 1) {
  throw new Error(`expected one *-command.wasm beside run.mjs, found: ${commands.join(', ') || 'none'}`);
}
const wasm = path.join(here, commands[0]);

/** Runs the command with the given stdin and stdout file descriptors; returns its exit code. */
async function run(stdin, stdout) {
  const wasi = new WASI({
    version: 'preview1',
    args: [commands[0].replace(/\.wasm$/, '')],
    env: {},
    stdin,
    stdout,
    stderr: 2,
    returnOnExit: true,
  });
  const module = await WebAssembly.compile(fs.readFileSync(wasm));
  const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
  return wasi.start(instance);
}

/** Deep equality of parsed JSON; object key order does not matter. */
function same(a, b) {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => k in b && same(a[k], b[k]));
}

const arg = process.argv[2];
if (arg === '--check') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'run-mjs-'));
  const out = path.join(dir, 'response.json');
  const [stdin, stdout] = [fs.openSync(path.join(here, 'example', 'request.json'), 'r'), fs.openSync(out, 'w')];
  let exit;
  try {
    exit = await run(stdin, stdout);
  } finally {
    fs.closeSync(stdin);
    fs.closeSync(stdout);
  }
  const text = fs.readFileSync(out, 'utf8');
  fs.rmSync(dir, { recursive: true, force: true });
  const expected = JSON.parse(fs.readFileSync(path.join(here, 'example', 'response.json'), 'utf8'));
  let actual;
  try {
    actual = JSON.parse(text);
  } catch {
    actual = undefined;
  }
  if (exit === 0 && same(actual, expected)) {
    console.log(`ok: ${commands[0]} answered example/request.json with example/response.json`);
  } else {
    console.error(`FAILED: exit code ${exit}; the response differs from example/response.json:\n${text}`);
    process.exitCode = 1;
  }
} else if (arg === undefined || arg === '-') {
  process.exitCode = await run(0, 1);
} else if (arg.startsWith('-')) {
  console.error('usage: node run.mjs [--check | <request.json>]  (the request on stdin by default)');
  process.exitCode = 2;
} else {
  const stdin = fs.openSync(arg, 'r');
  try {
    process.exitCode = await run(stdin, 1);
  } finally {
    fs.closeSync(stdin);
  }
}
