import type { Role } from '../config/types';

/** Who is acting: an operator (or viewer) as they signed in. */
export interface Principal {
  name: string;
  role: Role;
  via: 'password' | 'token' | 'proxy';
}
