/**
 * Secrets and configs: named blobs delivered to tasks as files. A secret's data is never
 * shown back through the API; a config's is. Data is base64, as in the Engine API.
 */
import type { Annotations, Meta } from './meta.ts';

export interface SecretSpec extends Annotations {
  /** Base64 of the secret (at most 500 KB decoded). */
  Data?: string;
  Driver?: { Name: string; Options?: Record<string, string> };
  Templating?: { Name: string; Options?: Record<string, string> };
}

export interface Secret extends Meta {
  Spec: SecretSpec;
}

export interface ConfigSpec extends Annotations {
  /** Base64 of the config (at most 1000 KB decoded). */
  Data?: string;
  Templating?: { Name: string; Options?: Record<string, string> };
}

export interface Config extends Meta {
  Spec: ConfigSpec;
}

export const MAX_SECRET_BYTES = 500 * 1024;
export const MAX_CONFIG_BYTES = 1000 * 1024;
