import 'server-only';
import type { SnapshotDownload } from '../ops/snapshots';
import { attachment, percentEncode } from '../text/http-header';

/** A snapshot download as HTTP: RFC 6266/5987 file name, and only header-safe bytes about the member. */
export function snapshotResponse(d: SnapshotDownload): Response {
  return new Response(d.body, {
    headers: {
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': attachment(d.asciiFile, d.file),
      'Content-Length': String(d.size),
      'Cache-Control': 'no-store',
      // Header values are bytes: the ID is hex; the name travels percent-encoded (UTF-8).
      'X-Ringside-Snapshot-Member': d.member.id,
      'X-Ringside-Snapshot-Member-Name': percentEncode(d.member.name),
      'X-Ringside-Snapshot-Revision': String(d.revision),
    },
  });
}
