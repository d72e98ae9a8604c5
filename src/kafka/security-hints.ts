/**
 * What to change when a connection fails for a security reason. kafkajs passes on OpenSSL's and the broker's words,
 * which name the symptom ("unable to verify the first certificate", "alert bad certificate") but not the setting.
 */
const SECURITY_HINTS: ReadonlyArray<{ pattern: RegExp; hint: string }> = [
  {
    pattern:
      /unable to verify the first certificate|self[- ]signed certificate|unable to get (local )?issuer certificate|certificate has expired|not yet valid/i,
    hint: 'the broker certificate is not trusted: set kafka.tls.caFile to the CA bundle that signed it',
  },
  {
    pattern: /does not match certificate's altnames|Hostname\/IP does not match/i,
    hint: 'the broker certificate does not name the address connected to: fix kafka.brokers or set kafka.tls.servername',
  },
  {
    pattern: /alert (bad certificate|certificate required|unknown ca)|SSL alert number (42|48|116)/i,
    hint: 'the broker refused the TLS handshake: it probably requires a client certificate (kafka.tls.certFile and key) signed by a CA it trusts',
  },
  {
    pattern: /wrong version number|packet length too long|unexpected eof|socket hang up.*ssl/i,
    hint: 'TLS and plaintext mixed up: kafka.tls.enabled must match the listener (SSL/SASL_SSL need it, PLAINTEXT/SASL_PLAINTEXT must not)',
  },
  {
    pattern: /SASL .*authentication failed|invalid credentials|Invalid username or password/i,
    hint: 'the broker refused the SASL credentials: check kafka.sasl.mechanism, kafka.sasl.username and the password',
  },
  {
    pattern: /UNSUPPORTED_SASL_MECHANISM|unsupported SASL mechanism|ILLEGAL_SASL_STATE/i,
    hint: 'the listener does not offer this SASL mechanism (or no SASL at all): check kafka.sasl.mechanism against the broker',
  },
];

/** A hint naming the setting to fix, for connection failures caused by TLS or SASL; undefined otherwise. */
export function kafkaSecurityHint(message: string): string | undefined {
  return SECURITY_HINTS.find(({ pattern }) => pattern.test(message))?.hint;
}
