import {hash, randomBytes} from 'node:crypto'

export const API_KEY_PREFIX = 'clk_'
/** Characters of the key kept for display (prefix included): enough to tell keys apart, useless to an attacker. */
const DISPLAY_LENGTH = API_KEY_PREFIX.length + 6

export interface GeneratedKey {
  /** The plain key: returned once, never stored. */
  key: string
  keyHash: string
  keyPrefix: string
}

/**
 * SHA-256 is enough here (unlike passwords): the key carries 256 random bits, so no
 * guessing. crypto.hash: once per ingest request, without a Hash object.
 */
export function hashApiKey(key: string): string {
  return hash('sha256', key, 'hex')
}

export function generateApiKey(): GeneratedKey {
  // Hex, not base64url: Sentry SDKs only accept [A-Za-z0-9_] as the DSN's public key.
  const key = API_KEY_PREFIX + randomBytes(32).toString('hex')
  return {key, keyHash: hashApiKey(key), keyPrefix: key.slice(0, DISPLAY_LENGTH)}
}
