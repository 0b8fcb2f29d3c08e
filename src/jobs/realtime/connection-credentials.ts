/** What `$connect` sees of the client's upgrade request. */
export interface ConnectRequest {
  queryStringParameters?: Record<string, string | undefined> | null;
  headers?: Record<string, string | undefined> | null;
  /** The API key API Gateway verified (ApiKeyRequired on `$connect`), when it checked one. */
  verifiedApiKey?: string | null;
}

/**
 * The credential a client presents: the `token` query parameter (browsers cannot set headers on a
 * WebSocket), else `Authorization: Bearer …`, else `x-api-key`.
 */
export function credentialOf(request: ConnectRequest): string | undefined {
  const header = (name: string) =>
    Object.entries(request.headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1] || undefined;
  const bearer = /^Bearer\s+(\S+)$/i.exec(header('authorization') ?? '')?.[1];
  return request.queryStringParameters?.token || bearer || header('x-api-key');
}

/** Whether a connection may open: the one place `$connect` decides who gets in. */
export type ConnectCheck = (request: ConnectRequest) => Promise<boolean>;

/**
 * Today's check, the REST API's: API Gateway itself verifies `x-api-key` against the usage plan's
 * keys (ApiKeyRequired on `$connect`) before the function runs, so the function only confirms the
 * gateway did. Scoped tokens replace this with a lookup of {@link credentialOf}'s answer.
 */
export const gatewayVerifiedApiKey: ConnectCheck = async (request) =>
  typeof request.verifiedApiKey === 'string' && request.verifiedApiKey.length > 0;
