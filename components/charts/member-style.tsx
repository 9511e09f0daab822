/**
 * One look per member, the same on every chart: a color and a dash pattern, so two members are
 * told apart without relying on color. Assigned by name order, so a member keeps its look across
 * ranges, reloads and leader changes.
 */
export interface MemberStyle {
  color: string;
  dash?: string;
}

const STYLES: MemberStyle[] = [
  { color: 'var(--series-1)' },
  { color: 'var(--series-2)', dash: '7 3' },
  { color: 'var(--series-3)', dash: '2 3' },
  { color: 'var(--series-4)', dash: '10 3 2 3' },
  { color: 'var(--series-5)', dash: '4 4' },
  { color: 'var(--series-6)', dash: '12 4' },
];

export function memberStyles(members: readonly { id: string; name: string }[]): Map<string, MemberStyle> {
  const sorted = [...members].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }) || a.id.localeCompare(b.id));
  return new Map(sorted.map((m, i) => [m.id, STYLES[i % STYLES.length]]));
}

/** A short line in the member's look, for legends and tooltips. */
export function Swatch({ style }: { style: MemberStyle }) {
  return (
    <svg viewBox="0 0 24 8" className="h-2 w-6 shrink-0" aria-hidden>
      <line x1="0" y1="4" x2="24" y2="4" stroke={style.color} strokeWidth="2.5" strokeDasharray={style.dash} />
    </svg>
  );
}
