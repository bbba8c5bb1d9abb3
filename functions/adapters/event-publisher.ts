/**
 * Publishes Blastwall's own events (`Blastwall Finding`, `Blastwall Response` …) on
 * the central bus with EventBridge PutEvents. Generic: `publish(detailType, detail)`.
 * Used by detect (findings) and respond (responses).
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { BLASTWALL_EVENT_SOURCE } from '../core/telemetry-names.ts';
import { DEFAULT_RETRY, backoffDelay, describeError, isRetryable, type RetryPolicy } from '../core/response/retry.ts';

/** EventBridge's limit for one PutEvents entry. */
export const MAX_EVENT_BYTES = 256 * 1024;

export interface PublishOptions {
  /** ARNs the event is about (EventBridge `Resources`). */
  resources?: string[];
  time?: Date;
}

export interface EventPublisher {
  publish(detailType: string, detail: unknown, options?: PublishOptions): Promise<void>;
}

export class PublishError extends Error {
  constructor(
    message: string,
    readonly detailType: string,
    readonly errorCode?: string,
  ) {
    super(message);
    this.name = 'PublishError';
  }
}

export interface EventBridgePublisherOptions {
  client: EventBridgeClient;
  eventBusName: string;
  source?: string;
  retry?: RetryPolicy;
  sleep?: (ms: number) => Promise<void>;
}

const RETRYABLE_ENTRY_CODES = new Set(['ThrottlingException', 'InternalFailure', 'InternalException', 'ServiceUnavailable']);

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class EventBridgePublisher implements EventPublisher {
  private readonly source: string;
  private readonly retry: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: EventBridgePublisherOptions) {
    this.source = options.source ?? BLASTWALL_EVENT_SOURCE;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.sleep = options.sleep ?? defaultSleep;
  }

  async publish(detailType: string, detail: unknown, options: PublishOptions = {}): Promise<void> {
    const json = JSON.stringify(detail);
    const entry = {
      EventBusName: this.options.eventBusName,
      Source: this.source,
      DetailType: detailType,
      Detail: json,
      ...(options.resources?.length ? { Resources: options.resources } : {}),
      ...(options.time ? { Time: options.time } : {}),
    };
    const size = Buffer.byteLength(json) + Buffer.byteLength(detailType) + Buffer.byteLength(this.source) + (options.resources ?? []).reduce((n, r) => n + Buffer.byteLength(r), 0);
    if (size > MAX_EVENT_BYTES) {
      throw new PublishError(`${detailType} is ${size} bytes, over EventBridge's ${MAX_EVENT_BYTES}-byte limit`, detailType, 'EventTooLarge');
    }
    for (let attempt = 1; ; attempt++) {
      let failure: { retryable: boolean; message: string; code?: string };
      try {
        const out = await this.options.client.send(new PutEventsCommand({ Entries: [entry] }));
        const result = out.Entries?.[0];
        if (!out.FailedEntryCount && result?.EventId) return;
        const code = result?.ErrorCode ?? 'Unknown';
        failure = { retryable: RETRYABLE_ENTRY_CODES.has(code), message: `${code}: ${result?.ErrorMessage ?? 'entry failed'}`, code };
      } catch (error) {
        failure = { retryable: isRetryable(error), message: describeError(error) };
      }
      if (!failure.retryable || attempt >= this.retry.maxAttempts) {
        throw new PublishError(`PutEvents of ${detailType} failed after ${attempt} attempt(s): ${failure.message}`, detailType, failure.code);
      }
      await this.sleep(backoffDelay(attempt, this.retry));
    }
  }
}

export interface PublishedEvent {
  source: string;
  detailType: string;
  detail: unknown;
  resources?: string[];
}

/** In-memory publisher for the CLI, the demo and tests. Keeps a JSON copy of every detail. */
export class MemoryEventPublisher implements EventPublisher {
  readonly published: PublishedEvent[] = [];

  constructor(private readonly source: string = BLASTWALL_EVENT_SOURCE) {}

  async publish(detailType: string, detail: unknown, options: PublishOptions = {}): Promise<void> {
    this.published.push({
      source: this.source,
      detailType,
      detail: JSON.parse(JSON.stringify(detail)) as unknown,
      ...(options.resources?.length ? { resources: [...options.resources] } : {}),
    });
  }

  ofType(detailType: string): unknown[] {
    return this.published.filter((e) => e.detailType === detailType).map((e) => e.detail);
  }
}

export interface CreateEventPublisherOptions {
  eventBusName: string;
  client?: EventBridgeClient;
  source?: string;
  retry?: RetryPolicy;
  /** The bus's region when it is not the function's (member topology: the central bus by ARN). */
  region?: string;
}

/**
 * The publisher a Lambda handler uses: EventBridge on `eventBusName`, SDK retries off
 * (`maxAttempts: 1`), the bounded retry is `EventBridgePublisher.publish`'s own loop. Not
 * the SDK's `retryStrategy`, unlike IAM and STS: PutEvents reports a throttled or failed
 * entry inside an HTTP 200 (`FailedEntryCount`, `Entries[].ErrorCode`), which the SDK's
 * retry never sees, so a loop of ours is needed anyway; one loop over both kinds of
 * failure keeps one budget, where the SDK's retry plus ours would multiply the attempts.
 */
export function createEventPublisher(options: CreateEventPublisherOptions): EventBridgePublisher {
  const client = options.client ?? new EventBridgeClient({ maxAttempts: 1, ...(options.region ? { region: options.region } : {}), requestHandler: { requestTimeout: 5_000, connectionTimeout: 2_000, throwOnRequestTimeout: true } });
  return new EventBridgePublisher({
    client,
    eventBusName: options.eventBusName,
    ...(options.source ? { source: options.source } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
  });
}
