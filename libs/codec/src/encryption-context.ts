/** What a data key protects; each purpose gets its own data keys. */
export type EncryptionPurpose = 'temporal-payload' | 'sealed-field';

/**
 * Non-secret facts bound to every data key: KMS requires the same context to decrypt (it is
 * logged by CloudTrail), and the local provider uses it as AES-GCM additional data. Binding the
 * namespace means data copied to another namespace does not decrypt there.
 */
export interface EncryptionContext {
  readonly namespace: string;
  readonly purpose: EncryptionPurpose;
}

/** The context as the string map KMS takes. */
export function toKmsEncryptionContext(context: EncryptionContext): Record<string, string> {
  return { namespace: context.namespace, purpose: context.purpose };
}

/**
 * A canonical string of the context: the same context always gives the same string and two
 * different contexts never do (JSON escapes any separator a namespace could contain).
 */
export function contextKey(context: EncryptionContext): string {
  return JSON.stringify([context.namespace, context.purpose]);
}

/** The context as additional authenticated data, under a label that says what is being bound. */
export function contextAad(label: string, context: EncryptionContext): Buffer {
  return Buffer.from(`${label}\n${contextKey(context)}`, 'utf8');
}

/** Describes a context for error messages. */
export function describeContext(context: EncryptionContext): string {
  return `{namespace: ${JSON.stringify(context.namespace)}, purpose: ${context.purpose}}`;
}
