// Helpers for the backup engine's integration tests and bench: which member to back up from,
// and a raw S3 client for looking into (and tampering with) the bucket behind a store's back.
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { MemberClient } from '@/lib/etcd/client';
import type { BackupSource } from '@/lib/backups/take';
import type { EtcdRing } from '../harness/ring';

/** A running member of `ring` as a backup source: a follower when `follower`, else the leader. */
export async function backupSource(ring: EtcdRing, opts: { follower: boolean }): Promise<BackupSource> {
  for (const m of ring.members.filter((x) => x.running)) {
    const client = new MemberClient(m.clientURL, undefined, 2000);
    try {
      const s = await client.status(2000);
      if ((s.leader === s.memberId) !== opts.follower) return { id: s.memberId, name: m.name, endpoint: m.clientURL };
    } finally {
      client.close();
    }
  }
  throw new Error(`no ${opts.follower ? 'follower' : 'leader'} in the ring`);
}

/** An S3 client on s3rver with the credentials in the environment, as the store's own. */
export function rawS3(endpoint: string): S3Client {
  return new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
}

/** Flips one bit of the byte at `offset` in an object (a damaged or tampered backup). */
export async function flipByteInObject(s3: S3Client, bucket: string, key: string, offset: number): Promise<void> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = Buffer.from(await res.Body!.transformToByteArray());
  bytes[offset] ^= 0x01;
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, Metadata: res.Metadata }));
}

export async function objectText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return res.Body!.transformToString('utf8');
}
