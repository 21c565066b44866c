/** A stack's namespace: the prefix of its objects' names and the label that marks them. */
import type { Labels } from '../api/meta.ts';

export const LABEL_NAMESPACE = 'com.docker.stack.namespace';
export const LABEL_IMAGE = 'com.docker.stack.image';

/** `web` in stack `app` is `app_web`. */
export const scoped = (stack: string, name: string): string => `${stack}_${name}`;

export function withStackLabel(stack: string, labels: Labels | undefined): Labels {
  return { ...(labels ?? {}), [LABEL_NAMESPACE]: stack };
}

/** The label filter that finds a stack's objects. */
export const stackFilter = (stack: string) => ({ label: [`${LABEL_NAMESPACE}=${stack}`] });
