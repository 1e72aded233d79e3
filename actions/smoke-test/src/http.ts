/**
 * The HTTP client for checks and readiness polls: Node 24's built-in fetch
 * (no extra code to load), redirects not followed (a check sees the 3xx it
 * got), bodies read up to a limit, each request bounded by a timeout.
 * Wall-clock duration is measured from just before the request is sent until
 * the whole body has been read.
 */
import type { HttpResponse } from '@pipeline/action-kit/checks';

export interface HttpRequest {
  url: string;
  method: string;
  headers: Readonly<Record<string, string>>;
  body?: string;
  timeoutMs: number;
}

export type Send = (request: HttpRequest) => Promise<HttpResponse>;

export const MAX_BODY_BYTES = 4 * 1024 * 1024;

export const fetchSend: Send = async (request) => {
  const started = performance.now();
  const signal = AbortSignal.timeout(Math.max(1, Math.ceil(request.timeoutMs)));
  const init: RequestInit = {
    method: request.method,
    headers: { 'user-agent': 'pipeline-smoke-test', ...request.headers },
    redirect: 'manual',
    signal,
  };
  if (request.body !== undefined) init.body = request.body;
  const response = await fetch(request.url, init);
  const { text, truncated } = await readLimited(response, MAX_BODY_BYTES);
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return {
    status: response.status,
    headers,
    body: text,
    bodyTruncated: truncated,
    durationMs: performance.now() - started,
  };
};

async function readLimited(response: Response, limit: number): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: '', truncated: false };
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > limit) {
      chunks.push(value.subarray(0, limit - size));
      truncated = true;
      await reader.cancel();
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  return { text: new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks)), truncated };
}
