'use client';

import { useQuery } from '@tanstack/react-query';
import { AlertTriangle, CheckCircle2, CircleHelp, OctagonX, ShieldCheck, XCircle } from 'lucide-react';
import type { CertificateRow, EndpointView } from '@/lib/certs/view';
import { certificatesQuery, type CertificatesView } from '@/lib/query/keys';
import { Panel } from '../ui/panel';
import { ClockTime } from '../ui/clock-time';

const levelLook = {
  critical: { Icon: OctagonX, word: 'Critical', tone: 'text-crit' },
  warning: { Icon: AlertTriangle, word: 'Warning', tone: 'text-warn' },
  ok: { Icon: CheckCircle2, word: 'OK', tone: 'text-ok' },
} as const;

/**
 * Every certificate that can take the ring down by expiring: what each member presents on its
 * client URL (and its metrics URL when that is TLS of its own), the CA Ringside trusts and its own
 * client certificate, each with its subject, names, end date and days left, and whether the
 * member's certificate covers the address Ringside reaches it on. Read by the server without
 * touching the members (a TLS handshake), about hourly and when a member comes back.
 */
export function CertificatesPanel({ cluster }: { cluster: string }) {
  const { data, error } = useQuery(certificatesQuery(cluster));
  return (
    <Panel title="Certificates" id="certificates" bodyClassName="" actions={data && <Schedule view={data} />}>
      {error && !data ? <p className="p-4 text-sm text-crit">Cannot read the certificates: {error.message}</p> : data ? <Body view={data} /> : null}
    </Panel>
  );
}

function Schedule({ view }: { view: CertificatesView }) {
  return (
    <span className="text-right text-xs text-muted">
      {view.checkedAt ? (
        <>
          read <ClockTime iso={view.checkedAt} />, every {Math.round(view.checkIntervalMs / 60_000)} min
        </>
      ) : (
        'not read yet'
      )}
      <span className="hidden sm:inline"> · warning within {view.thresholds.warnDays} days, critical within {view.thresholds.criticalDays}</span>
    </span>
  );
}

function Body({ view }: { view: CertificatesView }) {
  if (!view.checkedAt) return <p className="p-4 text-sm text-muted">Reading the members’ certificates (once the first poll has found them)…</p>;
  const endpoints = view.members.flatMap((m) => m.endpoints);
  if (!endpoints.length && !view.ca.length && !view.client.length) {
    return (
      <p className="flex items-center gap-2 p-4 text-sm text-muted">
        <ShieldCheck className="size-4" aria-hidden />
        No TLS: the members serve plain HTTP and no CA or client certificate is configured, so nothing here can expire.
      </p>
    );
  }
  return (
    <div>
      <Findings view={view} />
      <div className="overflow-x-auto">
        <table className="w-full text-[13px]" aria-label="Certificates">
          <thead>
            <tr className="border-b border-line text-left text-[11px] font-semibold uppercase tracking-wider text-muted">
              <Th>Member</Th>
              <Th>Days left</Th>
              <Th>Not after</Th>
              <Th>Covers the address</Th>
              <Th>Subject</Th>
              <Th>Names (SANs)</Th>
              <Th>Presented on</Th>
            </tr>
          </thead>
          <tbody>
            {[...view.members].sort((a, b) => a.memberName.localeCompare(b.memberName, undefined, { numeric: true })).flatMap((m) =>
              m.endpoints.map((e) => <EndpointRows key={`${m.memberId}-${e.url}`} who={m.memberName} memberId={m.memberId} endpoint={e} />),
            )}
            {view.ca.map((c, i) => (
              <CertRow key={`ca-${i}`} who="CA (tls.ca)" cert={c} where="trusted by Ringside" />
            ))}
            {view.client.map((c, i) => (
              <CertRow key={`client-${i}`} who={i === 0 ? 'Ringside (tls.cert)' : ''} cert={c} where={i === 0 ? 'Ringside’s client certificate' : 'in its chain'} />
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/**
 * Expiries in one sentence (the table and the alerts name each one), and every other finding (a
 * name that does not cover the address, a member not read) in its own words.
 */
function Findings({ view }: { view: CertificatesView }) {
  const expiring = view.findings.filter((f) => f.kind === 'expiry');
  const others = view.findings.filter((f) => f.kind !== 'expiry');
  if (!expiring.length && !others.length) {
    return (
      <p className="flex items-center gap-2 border-b border-line px-4 py-2.5 text-sm">
        <CheckCircle2 className="size-4 text-ok" aria-hidden /> Nothing expires within {view.thresholds.warnDays} days, and every member’s certificate covers its address.
      </p>
    );
  }
  const critical = expiring.filter((f) => f.level === 'critical');
  const first = [...expiring].sort((a, b) => a.certificate!.notAfter.localeCompare(b.certificate!.notAfter))[0];
  const look = levelLook[critical.length ? 'critical' : 'warning'];
  return (
    <ul className="space-y-1 border-b border-line px-4 py-3 text-sm" aria-label="Certificate findings">
      {first && (
        <li className="flex items-start gap-2" data-kind="expiry" data-level={critical.length ? 'critical' : 'warning'}>
          <look.Icon className={`mt-0.5 size-4 shrink-0 ${look.tone}`} aria-hidden />
          <span>
            <span className={`font-semibold ${look.tone}`}>{look.word}:</span>{' '}
            {critical.length
              ? `${plural(critical.length, 'certificate')} ${critical.length === 1 ? 'expires' : 'expire'} within ${view.thresholds.criticalDays} days`
              : `${plural(expiring.length, 'certificate')} ${expiring.length === 1 ? 'expires' : 'expire'} within ${view.thresholds.warnDays} days`}
            {critical.length && expiring.length > critical.length ? ` (${expiring.length - critical.length} more within ${view.thresholds.warnDays})` : ''}; the first on {utc(first.certificate!.notAfter)}. Renew before then, and restart the members one at a time.
          </span>
        </li>
      )}
      {others.map((f, i) => {
        const l = levelLook[f.level];
        return (
          <li key={i} className="flex items-start gap-2" data-kind={f.kind} data-level={f.level}>
            <l.Icon className={`mt-0.5 size-4 shrink-0 ${l.tone}`} aria-hidden />
            <span>
              <span className={`font-semibold ${l.tone}`}>{l.word}:</span> {f.message}
            </span>
          </li>
        );
      })}
    </ul>
  );
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function EndpointRows({ who, memberId, endpoint: e }: { who: string; memberId: string; endpoint: EndpointView }) {
  const where = e.source === 'metrics-url' ? `metrics ${e.url}` : e.url;
  if (!e.chain.length) {
    return (
      <tr className="border-b border-line/60" aria-label={who} data-member={memberId}>
        <Td className="font-semibold">{who}</Td>
        <Td>
          <span className="inline-flex items-center gap-1.5 text-warn">
            <CircleHelp className="size-4" aria-hidden />
            Not read
          </span>
        </Td>
        <Td colSpan={4} className="text-muted">
          {e.error ?? 'nothing presented'}
        </Td>
        <Td className="font-mono text-xs">{where}</Td>
      </tr>
    );
  }
  return (
    <>
      {e.chain.map((c) => (
        <CertRow
          key={c.depth}
          who={c.depth === 0 ? who : ''}
          memberId={memberId}
          cert={c}
          where={c.depth === 0 ? where : c.isCA ? 'its issuing CA' : 'an intermediate'}
          url={c.depth === 0}
          covers={c.depth === 0 ? e : undefined}
        />
      ))}
    </>
  );
}

function CertRow({ who, memberId, cert, where, url = false, covers }: { who: string; memberId?: string; cert: CertificateRow; where: string; url?: boolean; covers?: Pick<EndpointView, 'coversHost' | 'host'> }) {
  const look = levelLook[cert.level];
  const leaf = cert.depth === 0;
  return (
    <tr className={`border-b border-line/60 last:border-0 ${cert.level === 'critical' ? 'bg-crit-bg/40' : ''}`} aria-label={who || undefined} data-member={leaf ? memberId : undefined} data-level={cert.level}>
      <Td className="font-semibold">{who}</Td>
      <Td>
        <span className={`inline-flex items-center gap-1.5 font-medium ${look.tone}`}>
          <look.Icon className="size-4" aria-hidden />
          {look.word} · {daysLeft(cert.daysLeft)}
        </span>
      </Td>
      <Td className="font-mono text-xs">{utc(cert.notAfter)}</Td>
      <Td>{covers ? <Covers endpoint={covers} /> : <span className="text-faint">—</span>}</Td>
      <Td className={leaf ? '' : 'text-muted'}>{cert.subject || <span className="text-muted italic">no subject</span>}</Td>
      <Td className="font-mono text-xs">{cert.sans.length ? cert.sans.join(', ') : <span className="text-faint">—</span>}</Td>
      <Td className={url ? 'font-mono text-xs' : 'text-xs text-muted'}>{where}</Td>
    </tr>
  );
}

function Covers({ endpoint: e }: { endpoint: Pick<EndpointView, 'coversHost' | 'host'> }) {
  if (e.coversHost === null) return <span className="text-faint">—</span>;
  return e.coversHost ? (
    <span className="inline-flex items-center gap-1.5 text-ok">
      <CheckCircle2 className="size-4" aria-hidden />
      Yes ({e.host})
    </span>
  ) : (
    <span className="inline-flex items-center gap-1.5 font-medium text-warn">
      <XCircle className="size-4" aria-hidden />
      No: not {e.host}
    </span>
  );
}

function daysLeft(days: number): string {
  if (days < 0) return `expired ${-days} day${days === -1 ? '' : 's'} ago`;
  if (days === 0) return 'under a day left';
  return `${days} day${days === 1 ? '' : 's'} left`;
}

/** "2026-12-03 06:36 UTC": the same in every time zone, as the alert says it. */
function utc(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

function Th({ children }: { children: React.ReactNode }) {
  return <th className="whitespace-nowrap px-3 py-2 align-bottom">{children}</th>;
}

function Td({ children, className = '', colSpan }: { children: React.ReactNode; className?: string; colSpan?: number }) {
  return (
    <td colSpan={colSpan} className={`whitespace-nowrap px-3 py-1.5 align-top ${className}`}>
      {children}
    </td>
  );
}
