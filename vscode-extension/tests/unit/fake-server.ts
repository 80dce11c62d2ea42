// A stand-in language server for host.test.ts: speaks LSP over stdio and appends every
// message it receives (and its own start) as a JSON line to the file named by its first
// argument. With `crash` as the second argument it exits soon after `initialized`.

import * as fs from 'node:fs';

const [logFile, mode] = process.argv.slice(2);

function record(entry: object): void {
  fs.appendFileSync(logFile, `${JSON.stringify(entry)}\n`);
}

function send(message: object): void {
  const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...message }), 'utf8');
  process.stdout.write(`Content-Length: ${body.length}\r\n\r\n`);
  process.stdout.write(body);
}

interface Message {
  id?: number | string;
  method?: string;
  params?: unknown;
}

function handle(message: Message): void {
  record({ event: 'message', method: message.method, params: message.params });
  switch (message.method) {
    case 'initialize':
      send({
        id: message.id,
        result: {
          capabilities: { textDocumentSync: 1 },
          serverInfo: { name: 'fake-diglsp' },
        },
      });
      return;
    case 'initialized':
      if (mode === 'crash') {
        setTimeout(() => process.exit(3), 50);
      }
      return;
    case 'workspace/executeCommand':
      send({ id: message.id, result: { files: 3, errors: 1, warnings: 2 } });
      return;
    case 'exit':
      process.exit(0);
      return;
    default:
      if (message.id !== undefined && message.method !== undefined) {
        send({ id: message.id, result: null });
      }
  }
}

let pending = Buffer.alloc(0);
process.stdin.on('data', (chunk: Buffer) => {
  pending = Buffer.concat([pending, chunk]);
  for (;;) {
    const headerEnd = pending.indexOf('\r\n\r\n');
    if (headerEnd < 0) {
      return;
    }
    const length = Number(/Content-Length: (\d+)/i.exec(pending.subarray(0, headerEnd).toString())?.[1]);
    const start = headerEnd + 4;
    if (pending.length < start + length) {
      return;
    }
    const body = pending.subarray(start, start + length).toString('utf8');
    pending = pending.subarray(start + length);
    handle(JSON.parse(body) as Message);
  }
});

record({ event: 'start', args: process.argv.slice(4) });
