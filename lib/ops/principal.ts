/** Who is acting, as lib/auth identified them; ops only need the type. */
export type { Principal } from '../auth/guard';
