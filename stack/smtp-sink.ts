/**
 * The local SMTP sink: accepts every message on SMTP_URL's port and keeps it, so operators can read the
 * alerts Switchyard sends (GET http://127.0.0.1:SMTP_SINK_HTTP_PORT/messages) and tests can assert on them.
 * Messages are kept in memory and appended to <STACK_DIR>/data/smtp/messages.jsonl.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { loadSettings } from '../config';

export interface SunkMessage {
  id: number;
  receivedAt: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
}

function addressesOf(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  return list.flatMap((v: { value?: { address?: string }[] }) => (v.value ?? []).map((a) => a.address ?? '')).filter(Boolean);
}

async function main(): Promise<void> {
  const settings = loadSettings();
  const smtp = new URL(settings.SMTP_URL);
  const dir = path.join(settings.STACK_DIR, 'data', 'smtp');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'messages.jsonl');
  const messages: SunkMessage[] = [];
  let nextId = 1;

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          const msg: SunkMessage = {
            id: nextId++,
            receivedAt: new Date().toISOString(),
            from: addressesOf(mail.from)[0] ?? session.envelope.mailFrom?.toString() ?? '',
            to: addressesOf(mail.to),
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            html: typeof mail.html === 'string' ? mail.html : '',
          };
          messages.push(msg);
          if (messages.length > 10_000) messages.shift();
          fs.appendFileSync(file, `${JSON.stringify(msg)}\n`);
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  server.listen(Number(smtp.port || 25), smtp.hostname);

  const api = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sink');
    if (url.pathname === '/messages' && req.method === 'GET') {
      const to = url.searchParams.get('to');
      const body = JSON.stringify(to ? messages.filter((m) => m.to.includes(to)) : messages);
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    } else if (url.pathname === '/messages' && req.method === 'DELETE') {
      messages.length = 0;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    } else if (url.pathname === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"GET /messages, DELETE /messages, GET /health"}');
    }
  });
  api.listen(settings.SMTP_SINK_HTTP_PORT, '127.0.0.1');
  process.stdout.write(`smtp sink on ${settings.SMTP_URL}, messages at http://127.0.0.1:${settings.SMTP_SINK_HTTP_PORT}/messages\n`);

  const stop = (): void => {
    server.close(() => api.close(() => process.exit(0)));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`smtp sink failed: ${String(err)}\n`);
  process.exit(1);
});
