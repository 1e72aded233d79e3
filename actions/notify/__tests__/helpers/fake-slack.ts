/**
 * The local Slack stand-in (@pipeline/local-slack: what Slack checks and how
 * it answers) plus the failures a client must survive, switched on by tests:
 * rate limiting (HTTP 429 with Retry-After, body `{ok:false,
 * error:"ratelimited"}`, as Slack's rate-limits guide describes), server
 * errors, stalled answers, and forced webhook errors (e.g. 410
 * channel_is_archived).
 */
import { LocalSlack } from '@pipeline/local-slack';
import type { Answer, RecordedRequest } from '@pipeline/local-slack';

export { validateBlocks } from '@pipeline/local-slack';
export type { RecordedRequest, SlackChannel as FakeChannel, StoredMessage } from '@pipeline/local-slack';

export class FakeSlack extends LocalSlack {
  /** The next `count` Web API requests get HTTP 429 with this Retry-After. */
  rateLimit = { count: 0, retryAfterSeconds: 1 };
  /** The next `count` Web API requests get this HTTP status (e.g. 503). */
  serverError = { count: 0, status: 503 };
  /** The next `count` Web API requests are answered only after `ms` milliseconds. */
  stall = { count: 0, ms: 0 };
  /** Forces the webhook's answer. */
  webhookFailure: { status: number; body: string } | undefined;

  protected override fault(): Answer | undefined {
    if (this.rateLimit.count > 0) {
      this.rateLimit.count--;
      return {
        status: 429,
        body: { ok: false, error: 'ratelimited' },
        headers: { 'retry-after': String(this.rateLimit.retryAfterSeconds) },
      };
    }
    if (this.serverError.count > 0) {
      this.serverError.count--;
      return { status: this.serverError.status, body: { ok: false, error: 'fatal_error' } };
    }
    return undefined;
  }

  protected override delayMs(): number {
    if (this.stall.count === 0) return 0;
    this.stall.count--;
    return this.stall.ms;
  }

  protected override webhookFault(_record: RecordedRequest): { status: number; body: string } | undefined {
    return this.webhookFailure;
  }
}
