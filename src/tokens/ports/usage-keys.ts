/** A usage-plan API key: how API Gateway meters (rate, burst, quota) one client. */
export interface UsageKey {
  id: string;
  value: string;
}

/** Creates and deletes the usage-plan key of each token (API Gateway on AWS). */
export interface UsageKeys {
  /** Creates an API key and adds it to the usage plan. */
  create(name: string): Promise<UsageKey>;
  /** Deletes the key (which leaves the usage plan with it); a key already gone is not an error. */
  delete(id: string): Promise<void>;
}
