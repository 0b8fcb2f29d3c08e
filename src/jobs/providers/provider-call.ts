/** What a provider is told about the attempt that calls it. */
export interface ProviderCall {
  /** 1 for the first attempt. */
  readonly attempt: number;
  /**
   * The same for every attempt of one run (round) of a job: a provider that dedupes on a token
   * delivers once even when an attempt runs again after a crash between the provider's answer and
   * the job's completion being recorded. Providers without one (SES SendEmail, SNS Publish to a
   * phone number) deliver again: at-least-once.
   */
  readonly idempotencyKey: string;
}
