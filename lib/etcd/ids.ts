/** etcd member IDs are uint64 and travel as decimal strings; etcdctl shows them in hex. */
export function toHexId(id: string | number | bigint): string {
  return BigInt(id).toString(16);
}

/** Lease IDs are int64 and travel as decimal strings; etcdctl prints them as 16 hex digits (%016x). */
export function toHexLeaseId(id: string | number | bigint): string {
  return BigInt.asUintN(64, BigInt(id)).toString(16).padStart(16, '0');
}

export function fromHexId(hex: string): string {
  return BigInt(`0x${hex}`).toString(10);
}

export const hexIdPattern = /^[0-9a-f]{1,16}$/;
