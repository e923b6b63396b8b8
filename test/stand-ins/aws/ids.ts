// Deterministic ids: the same sequence of requests gives the same role ids, revision ids and
// function URLs on every run, so tests and golden plans can compare them byte for byte.
import { createHash } from 'node:crypto';
import type { AwsState } from './state.ts';

const upperAlphanumeric = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const lowerAlphanumeric = 'abcdefghijklmnopqrstuvwxyz0123456789';
const alphanumeric = `${upperAlphanumeric}abcdefghijklmnopqrstuvwxyz`;

function digest(seed: string, length: number, alphabet: string): string {
  let output = '';
  for (let block = 0; output.length < length; block += 1) {
    for (const byte of createHash('sha256').update(`${seed}#${block}`).digest()) {
      output += alphabet[byte % alphabet.length];
      if (output.length === length) {
        break;
      }
    }
  }
  return output;
}

/** Generates ids from a seed and the state's counter. */
export class IdGenerator {
  constructor(
    private readonly seed: string,
    private readonly state: () => AwsState,
  ) {}

  private nextSeed(): string {
    const state = this.state();
    state.sequence += 1;
    return `${this.seed}:${state.sequence}`;
  }

  /**
   * Returns an IAM unique id: the prefix (`AROA` for a role, `ASIA` for a session key) and 16
   * characters. NOTE: real role ids have 17 after `AROA`; 16 keeps recorded golden plans valid.
   */
  iamId(prefix: 'AROA' | 'ASIA'): string {
    return prefix + digest(this.nextSeed(), 16, upperAlphanumeric);
  }

  /** A UUID-shaped id, as request ids, revision ids and version ids look. */
  uuid(): string {
    const hex = digest(this.nextSeed(), 32, '0123456789abcdef');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }

  /** Random-looking characters from an alphabet, such as a secret ARN's six-character suffix. */
  characters(length: number, kind: 'alphanumeric' | 'upper' = 'alphanumeric'): string {
    return digest(this.nextSeed(), length, kind === 'upper' ? upperAlphanumeric : alphanumeric);
  }
}

/** The 32-character id of a function URL, stable for a function ARN and qualifier. */
export function functionUrlId(functionArn: string, qualifier: string): string {
  return digest(`url:${functionArn}:${qualifier}`, 32, lowerAlphanumeric);
}
