import { createFieldSealer, createPayloadCodec, type CodecOptions, type DataKeyCache, type EncryptionCodec, type FieldSealer } from '@enrich/codec';

/** The payload codec and field sealer of one Temporal namespace. */
export interface NamespaceCodec {
  namespace: string;
  codec: EncryptionCodec;
  sealer: FieldSealer;
}

/** Options of {@link NamespaceCodecs}. */
export interface NamespaceCodecsOptions {
  /** How many namespaces' codecs are kept (least recently used go first); default 100. */
  maxNamespaces?: number;
}

/**
 * One codec and sealer per namespace (the namespace is bound into every data key, so a payload
 * of namespace A does not decrypt as B), created on first use, all over one shared data-key cache.
 * The namespace comes from the caller, so the number kept is bounded; building one again is cheap.
 */
export class NamespaceCodecs {
  private readonly codecs = new Map<string, NamespaceCodec>();
  private readonly maxNamespaces: number;

  constructor(
    private readonly config: CodecOptions,
    /** Shared by every namespace: data keys are cached per encryption context inside it. */
    readonly keys: DataKeyCache,
    options: NamespaceCodecsOptions = {},
  ) {
    this.maxNamespaces = options.maxNamespaces ?? 100;
  }

  /** The codec of `namespace`. */
  get(namespace: string): NamespaceCodec {
    let entry = this.codecs.get(namespace);
    if (entry) {
      // Re-insert: Map iteration order is the LRU order.
      this.codecs.delete(namespace);
    } else {
      entry = {
        namespace,
        codec: createPayloadCodec(this.config, { namespace, keys: this.keys }),
        sealer: createFieldSealer(this.config, { namespace, keys: this.keys }),
      };
      if (this.codecs.size >= this.maxNamespaces) {
        const oldest = this.codecs.keys().next().value;
        if (oldest !== undefined) this.codecs.delete(oldest);
      }
    }
    this.codecs.set(namespace, entry);
    return entry;
  }
}
